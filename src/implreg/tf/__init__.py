"""tf paper (Razin, Maman & Cohen, ICML 2021): incremental learning of CP components (Fig. 2) and the tensor
rank of MNIST / Fashion-MNIST one-vs-all tensors (Fig. 3).

Modules: ``dynamics`` and ``dynamics_claims`` (Fig. 2), ``natural`` and ``natural_claims`` (Fig. 3), ``figures``.
"""
