"""The tensor-completion instance of one experiment: the paper's own (shipped) or a seeded random draw."""

from implreg.cli import job_io, run
from implreg.cp import make_cp_target
from implreg.io import write_npz
from implreg.norms.instances import load_paper_instance

IO = job_io(
    __doc__,
    inputs={"reference": "the paper's instance (.npz, implreg/norms/paper_instances/); only with instance = paper"},
    outputs={"target": ".npz with tensor and perm (observation order of the flat indices; the first N are observed)"},
    params={
        "instance": "paper (the shipped instance) | seeded (drawn from seed)",
        "order": "tensor order",
        "dim": "mode size",
        "rank": "CP rank",
        "seed": "seed of the draw (instance = seeded)",
    },
)


def main(io):
    p = io.params
    if p.instance == "paper":
        tensor, perm = load_paper_instance(io.input.reference, int(p.order), int(p.dim), int(p.rank))
    else:
        tensor, perm = make_cp_target(int(p.order), int(p.dim), int(p.rank), int(p.seed))
    write_npz(io.output.target, tensor=tensor, perm=perm, rank=int(p.rank))


if __name__ == "__main__":
    run(main, IO)
