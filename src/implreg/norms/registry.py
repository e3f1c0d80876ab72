"""The norms paper's figures (format: implreg.registry.Figure)."""

from implreg.registry import Figure

_DMF_RULES = ("train_dmf", "solve_dmf_flow", "measure_dmf")
_TC_RULES = ("make_tc_target", "train_tc", "measure_tc", "measure_tc_linear", "plot_tc")
_TC = dict(
    script="scripts/norms/plot_tc.py",
    training="implreg.norms.tc.run_grid",
    claims="implreg.norms.tc_claims.tc_claims",
    benchmarks=("train_tc", "measure_tc", "measure_tc_linear"),
)


def _tc_instances(rank: str) -> str:
    """The instance (the paper's, or a draw from the experiment's target_seed) and the runs' seed."""
    return f"norms.tc.instance, norms.tc.experiments[name={rank}_order{{order}}].target_seed, norms.tc.seed"


FIGURES = (
    Figure(
        slug="dmf_unobserved_entry_depth{depth}",
        paper_figure="Fig. 1",
        shows="the unobserved entry against the loss, 2x2 deep matrix factorization, with each run's gradient flow",
        rules=(*_DMF_RULES, "plot_dmf_entry"),
        script="scripts/norms/plot_dmf_entry.py",
        training="implreg.norms.dmf.train_dmf",
        claims="implreg.norms.dmf_claims.entry_claims",
        instances="norms.dmf.panels[depth={depth}].runs[].seed",
        benchmarks=("train_dmf", "solve_dmf_flow"),
    ),
    Figure(
        slug="dmf_norms_rank",
        paper_figure="not a paper figure",
        shows="the pipeline's companion to norms Fig. 1: norms grow while rank surrogates fall",
        rules=("train_dmf", "measure_dmf", "plot_dmf_norms"),
        script="scripts/norms/plot_dmf_norms.py",
        training="implreg.norms.dmf.train_dmf",
        claims="implreg.norms.dmf_claims.norms_claims",
        instances="norms.dmf.panels[].runs[].seed",
        benchmarks=("train_dmf",),
    ),
    Figure(
        slug="dmf_perturbed_unobserved_entry_depth{depth}",
        paper_figure="appendix A",
        shows="perturbed 2x2 problems (b22 = epsilon), one panel per epsilon",
        rules=(*_DMF_RULES, "plot_dmf_perturbed"),
        script="scripts/norms/plot_dmf_perturbed.py",
        training="implreg.norms.dmf.train_dmf",
        claims="implreg.norms.dmf_claims.entry_claims",
        instances="norms.dmf.perturbed_panels[depth={depth}].runs[].seed",
        benchmarks=("train_dmf", "solve_dmf_flow"),
    ),
    Figure(
        slug="tc_rank1_order{order}",
        paper_figure="Fig. 2",
        shows="rank-1 tensor completion: error and estimated tensor rank against the number of observations",
        rules=_TC_RULES,
        instances=_tc_instances("rank1"),
        **_TC,
    ),
    Figure(
        slug="tc_rank3_order{order}",
        paper_figure="appendix B",
        shows="rank-3 tensor completion",
        rules=_TC_RULES,
        instances=_tc_instances("rank3"),
        **_TC,
    ),
)
