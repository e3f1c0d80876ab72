"""Pre-flight of train_locality jobs: a few SGD steps and test batches at the paper's full size (data set in
memory, canvas, model, batch), timed; one probe stands for every job with the same task and λ > 0 or not."""

from implreg.cli import job_io, run
from implreg.device import resolve_device
from implreg.htf.locality.preflight import canvas_data, is_same_data, pathfinder_data, probe_training
from implreg.io import write_json
from implreg.preflight.clock import finish

IO = job_io(
    __doc__,
    inputs={},
    outputs={"probe": "probe record JSON (implreg.preflight.table)"},
    params={
        "task": "is_same | pathfinder",
        "setting": "distance d (is_same) or path length L (pathfinder)",
        "lam": "IGC coefficient (0 = baseline)",
        "canvas": "is_same: {height, width}",
        "model": "ModelConfig fields",
        "train": "LocalityTrainConfig fields but lam/seed/threads",
        "data": "pathfinder: geometry, n_train, n_test; is_same: source, cifar10_dir, n_train, n_test, data_seed",
        "probe_steps": "SGD steps to time",
    },
)

EVAL_BATCHES = 1  # test batches timed (the full job's evaluations are scaled from them)


def main(io):
    p = io.params
    device = resolve_device(p.train.get("device", "cpu"))
    d = p.data
    if p.task == "pathfinder":
        real = int(p.train["batch_size"]) * int(p.probe_steps) + EVAL_BATCHES * int(p.train["eval_batch_size"])
        data, note = pathfinder_data(d["geometry"], int(p.setting), int(d["n_train"]), int(d["n_test"]), real)
    else:
        arrays, note = is_same_data(
            d["source"], d["cifar10_dir"], int(d["n_train"]), int(d["n_test"]), int(d["data_seed"])
        )
        data = canvas_data(arrays, int(p.setting), p.canvas, device)
    train = {**p.train, "device": device}
    fields = probe_training(data, p.model, train, float(p.lam), int(p.probe_steps), EVAL_BATCHES, io.threads)
    fields["unit"] += f", {p.model['arch']} width {p.model['width']}, input {list(data.shape)}"
    write_json(io.output.probe, finish(fields, "train_locality", device, io.threads, note))


if __name__ == "__main__":
    run(main, IO)
