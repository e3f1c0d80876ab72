"""Pre-flight of one make_pathfinder job: a few images at full size, timed (writes no real output)."""

from implreg.cli import job_io, run
from implreg.htf.locality.preflight import probe_pathfinder_images
from implreg.io import write_json
from implreg.preflight.clock import finish

IO = job_io(
    __doc__,
    inputs={},
    outputs={"probe": "probe record JSON (implreg.preflight.table)"},
    params={
        "path_length": "paddles per target path",
        "n_train": "train images",
        "n_test": "test images",
        "geometry": '"reduced" | "paper" | dict of PathfinderGeometry fields',
        "probe_steps": "images to time",
    },
)


def main(io):
    p = io.params
    fields = probe_pathfinder_images(p.geometry, int(p.path_length), int(p.n_train), int(p.n_test), int(p.probe_steps))
    # The job splits its images over `threads` worker processes (the probe used one): its wall time shrinks so,
    # its CPU time does not (the table divides CPU time by the threads).
    fields["s_per_step"] /= max(1, io.cores)
    fields["count_note"] += f", divided over the job's {io.cores} worker(s)"
    write_json(io.output.probe, finish(fields, "make_pathfinder", "cpu", io.cores))


if __name__ == "__main__":
    run(main, IO)
