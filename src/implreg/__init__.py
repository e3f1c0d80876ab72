"""Reproduction of Razin, Maman & Cohen's papers on implicit regularization towards low rank.

The library does the science; `scripts/` only glue Snakemake rules to it.
"""

__version__ = "0.1.0"
