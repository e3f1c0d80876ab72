"""The verdict: print the one-screen claims summary and the report path; fail if a claim failed and must pass."""

import sys

from implreg.cli import job_io, paths, run
from implreg.report.claims import check_verdict, load_claims, terminal_summary

IO = job_io(
    __doc__,
    inputs={"report": "report/index.html"},
    outputs={"verdict": "the summary as text"},
    params={
        "claims": "claims JSON files (a JSON list from the shell)",
        "must_pass": "config claims_must_pass: fail the run when a claim failed",
    },
)


def main(io):
    docs = [load_claims(p) for p in paths(io.params.claims)]
    text = terminal_summary(docs, report_path=io.input.report)
    # stdout reaches the terminal (run() sends stderr to the job's log).
    print(text, file=sys.stdout, flush=True)
    print(text, file=sys.stderr)
    failed = check_verdict(docs, bool(io.params.must_pass))
    if failed:
        print(f"WARNING: {failed} claim(s) failed; claims_must_pass is false, so the run does not fail.", flush=True)
    with open(io.output.verdict, "w") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    run(main, IO)
