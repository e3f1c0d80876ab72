"""htf locality: check that the reduced baseline loses accuracy from the shortest to the longest setting."""

from implreg.cli import job_io, run
from implreg.errors import ConfigError
from implreg.htf.locality.calibration import check_drop
from implreg.io import read_json, write_json

IO = job_io(
    __doc__,
    inputs={"short": "baseline metrics JSON at the shortest setting", "long": "the same at the longest"},
    outputs={"calibration": "JSON: ok, drop, threshold, accuracies, message"},
    params={
        "task": "is_same | pathfinder",
        "threshold": "minimal drop in accuracy points",
        "enforce": "true: fail (no output) when the drop is too small, so the grid does not run",
    },
)


def main(io):
    p = io.params
    short, long = read_json(io.input.short), read_json(io.input.long)
    out = check_drop(100 * short["test_acc_last"], 100 * long["test_acc_last"], float(p.threshold), p.task)
    out |= {"task": p.task, "settings": [short["setting"], long["setting"]], "enforced": bool(p.enforce)}
    if not out["ok"] and p.enforce:
        raise ConfigError(out["message"])
    write_json(io.output.calibration, out)


if __name__ == "__main__":
    run(main, IO)
