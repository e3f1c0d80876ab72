"""Make MNIST / Fashion-MNIST IDX files available and verified (copy from data_dir, else download)."""

from pathlib import Path

from implreg.cli import job_io, run
from implreg.datasets.mnist import fetch_dataset, get_spec, md5_file
from implreg.io import write_json

IO = job_io(
    __doc__,
    inputs={},
    outputs={"manifest": "JSON listing the verified files; they sit in the same folder"},
    params={"dataset": "mnist | fashion-mnist", "data_dir": "folder to copy from", "download": "allow downloads"},
)


def main(io):
    p = io.params
    dest = Path(io.output.manifest).parent
    fetch_dataset(p.dataset, p.data_dir, bool(p.download), dest)
    files = sorted(dest / name for name in get_spec(p.dataset).file_names())
    write_json(
        io.output.manifest,
        {"dataset": get_spec(p.dataset).name, "source": "idx", "files": {f.name: md5_file(f) for f in files}},
    )


if __name__ == "__main__":
    run(main, IO)
