"""tf paper (Razin, Maman & Cohen, ICML 2021): incremental learning of CP components (Fig. 3) and the tensor
rank of MNIST / Fashion-MNIST one-vs-all tensors (Fig. 4).

Modules: ``dynamics`` and ``dynamics_claims`` (Fig. 3), ``natural`` and ``natural_claims`` (Fig. 4), ``figures``.
"""
