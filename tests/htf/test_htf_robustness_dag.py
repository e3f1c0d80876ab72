"""The htf robustness target's DAG (issue 30): each model trains on its own number of new instances."""

from __future__ import annotations

import re

import pytest
from dagutil import snakemake

pytestmark = pytest.mark.dag


def test_default_robustness_dag_trains_each_model_on_its_instances(tmp_path):
    """Default preset: MF and CP on the first 16 of htf.robustness.data_seeds, HT on the first 8; none of the
    figures' own instances (0-7); one rates job reading them all."""
    out = snakemake(tmp_path, "figures/htf/robustness.pdf", "-n", "--cores", "1", "--config", "preset=default").stdout
    trained = re.findall(r"results/htf/robustness/data(\d+)/(mf|cp|ht)/history\.npz", out)
    by_model = {m: sorted({int(s) for s, mm in trained if mm == m}) for m in ("mf", "cp", "ht")}
    assert by_model == {"mf": list(range(100, 116)), "cp": list(range(100, 116)), "ht": list(range(100, 108))}
    stats = dict(re.findall(r"^(train_htf_robustness|robustness_htf|train_htf_dynamics)\s+(\d+)$", out, re.M))
    assert stats == {"train_htf_robustness": "40", "robustness_htf": "1"}, stats
