# Helpers of report.smk: which benchmark files and seeds stand behind each figure (from its registry row and its
# DAG), where its claims table sits.


from implreg import registry as _registry

REPORT_PAPERS = list(_registry.PAPERS)
REPORT_DEVIATIONS = [repo_file(f"docs/deviations/{p}.yaml") for p in REPORT_PAPERS]
REPORT_TEMPLATES = [
    repo_file(f"src/implreg/report/templates/{t}")
    for t in ("report.html.j2", "_macros.html.j2")
]


def _figure_id(pdf):
    return pdf[len("figures/") : -len(".pdf")]


def _registered(fid):
    """The figure's registry row; None for a figure a user configured without one (nothing to list for it)."""
    try:
        return _registry.entry(fid)
    except KeyError:
        return None


def report_benchmarks():
    """Figure id -> the benchmark files (read if present) of the jobs in its DAG whose rules its registry row lists
    in `benchmarks`, in DAG order."""
    out = {}
    for pdf in ALL_FIGURES:
        row = _registered(_figure_id(pdf))
        jobs = dag_jobs([pdf])[0] if row else {}  # no row, no benchmark rules: no walk
        out[_figure_id(pdf)] = [
            _benchmark_file(j)
            for j in jobs.values()
            if j["rule"].name in row.benchmarks
        ]
    return out


def _benchmark_file(job):
    path = job["rule"].expand_benchmark(job["wildcards"])
    if path is None:
        raise WorkflowError(
            f"rule {job['rule'].name} is in a registry row's benchmarks (implreg/<paper>/registry.py) but has no "
            "`benchmark:`; add one or drop it from the row"
        )
    return str(path)


def report_seeds():
    """Figure id -> {config key: value} of the keys that fix its instances and seeds (its registry row)."""
    return {
        _figure_id(pdf): _registry.instance_values(_figure_id(pdf), CFG)
        for pdf in ALL_FIGURES
        if _registered(_figure_id(pdf))
    }


# The claims table sits beside its figure in the Snakemake report, under its paper figure (the registry).
report_subcategory = _figure_subcategory("{paper}/{slug}")
