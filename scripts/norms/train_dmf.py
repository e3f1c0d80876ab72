"""Train all runs of one depth of the 2x2 deep matrix factorization problem; write their histories."""

from implreg.cli import job_io, run
from implreg.norms.dmf import PAPER_OPTIONS, DMFProblem, DMFRun, train_dmf
from implreg.norms.dmf_measures import save_history

IO = job_io(
    __doc__,
    inputs={},
    outputs={"history": "history .npz (step, loss, product matrix per log point and run)"},
    params={
        "depth": "number of layers",
        "observations": "[b12, b21, b22]",
        "det_sign": "+1 / -1",
        "runs": "list of {lr, init, balanced, seed}",
        "train": "dict: init_scale_mode, optimizer, stop_loss, stop_patience, log_every, max_steps, dtype",
    },
)


def main(io):
    p = io.params
    problem = DMFProblem.two_by_two(*p.observations, det_sign=p.det_sign)
    runs = [DMFRun(float(r["lr"]), float(r["init"]), bool(r["balanced"]), int(r["seed"])) for r in p.runs]
    opts, rest = PAPER_OPTIONS.split(p.train, progress_label=f"dmf depth {p.depth}")
    history = train_dmf(problem, int(p.depth), runs, opts, **rest)
    save_history(io.output.history, history)


if __name__ == "__main__":
    run(main, IO)
