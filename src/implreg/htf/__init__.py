"""htf paper (Razin, Maman & Cohen, ICML 2022): MF vs CP vs hierarchical-tensor dynamics (``dynamics``,
``dynamics_claims``, ``figures``) and the locality experiments of deep convolutional networks (``locality``).
"""
