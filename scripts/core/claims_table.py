"""One figure's claims as a small HTML page: the claims item of the Snakemake report (--report)."""

from implreg.cli import job_io, run
from implreg.io import atomic_path
from implreg.report.html import claims_table_html

IO = job_io(__doc__, inputs={"claims": "claims JSON"}, outputs={"html": "HTML table"}, params={})


def main(io):
    html = claims_table_html(io.input.claims)
    with atomic_path(io.output.html) as tmp:
        tmp.write_text(html)


if __name__ == "__main__":
    run(main, IO)
