"""The reproduction report: one self-contained HTML page, the claims verdict, and what feeds them.

- `claims`: reading claims files, counting verdicts, the one-screen terminal summary and the build verdict.
- `benchmarks`: Snakemake `benchmark:` files (runtime, peak memory of the jobs behind a figure).
- `provenance`: commit, config hash, package versions, CPU model.
- `deviations`: the per-paper data in docs/deviations/<paper>.yaml (figure labels, deviations, scope notes).
- `html`: building report/index.html with Jinja2 (PNGs embedded as data URIs).
"""
