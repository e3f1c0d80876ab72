"""norms paper (Razin & Cohen, NeurIPS 2020): deep matrix factorization (Fig. 1, appendix A) and tensor
completion with CP factorizations (Fig. 2, appendix B).

Modules: ``dmf`` (the 2x2 deep matrix factorization kernel), ``dmf_measures`` (histories -> metrics),
``dmf_claims``, ``matrix_metrics``; ``tc`` (tensor-completion grids and measures), ``tc_claims``; ``figures``.
"""
