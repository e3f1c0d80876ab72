"""Count passed / failed / untested / finding claims over all figures and list the failures and findings."""

import sys

from implreg.claims import summarise
from implreg.cli import job_io, paths, run
from implreg.io import write_json

IO = job_io(
    __doc__,
    inputs={"claims": "claims JSON files (comma-separated from the shell)"},
    outputs={"summary": "JSON summary"},
    params={},
)


def main(io):
    files = paths(io.input.claims)
    out = summarise(files)
    write_json(io.output.summary, out)
    print(
        f"claims: {out['passed']} passed, {out['failed']} failed, {out['untested']} untested, {out['finding']} finding",
        file=sys.stderr,
    )
    for f in out["findings"]:
        print(f"FINDING {f['figure']}: {f['id']}: {f['statement']} (measured {f['measured']})", file=sys.stderr)
    for f in out["failures"]:
        print(f"FAILED {f['figure']}: {f['id']}: {f['why']} (measured {f['measured']})", file=sys.stderr)


if __name__ == "__main__":
    run(main, IO)
