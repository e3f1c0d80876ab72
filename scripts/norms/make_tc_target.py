"""Seeded random CP-rank target tensor (unit Frobenius norm) and its observation order."""

from implreg.cli import job_io, run
from implreg.cp import make_cp_target
from implreg.io import write_npz

IO = job_io(
    __doc__,
    inputs={},
    outputs={"target": ".npz with tensor and perm (random permutation of flat indices)"},
    params={"order": "tensor order", "dim": "mode size", "rank": "CP rank", "seed": "seed"},
)


def main(io):
    p = io.params
    tensor, perm = make_cp_target(int(p.order), int(p.dim), int(p.rank), int(p.seed))
    write_npz(io.output.target, tensor=tensor, perm=perm, rank=int(p.rank))


if __name__ == "__main__":
    run(main, IO)
