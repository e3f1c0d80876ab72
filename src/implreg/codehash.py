"""Fingerprints of the code that computes a job's result: a rule's script and the library modules it imports.

Snakemake reruns a job neither when its script changes (it records no code for `script:` rules) nor when a library
module under src/implreg/ that the script imports does. Each rule passes ``lib_code(<its script>)`` as a parameter,
so an edit reruns exactly the jobs whose script is edited or imports the edited module (directly or not): a claims
module reruns the plots, the engine the training.
A checkpoint also carries ``loaded_code()``, so a job never resumes a checkpoint written by other code.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1]  # src/
PACKAGE = "implreg"


def _module_file(name: str) -> Path | None:
    base = SRC.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.cache  # every rule's closure walks the same core modules: parse each file once per process
def _imported(path: Path) -> frozenset[str]:
    """Names of implreg modules a file imports (``from implreg import x`` counts x when x is a module)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == PACKAGE:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names if _module_file(f"{node.module}.{a.name}")}
    return frozenset(out)


# Data files the library reads as code: a wing's paper values (its claims cite them) and the report's templates.
DATA_OF = {
    "implreg/paper_values.py": "implreg/{wing}/paper_values.yaml",
    "implreg/report/html.py": "implreg/report/templates/*.j2",
    "implreg/registry.py": "implreg/{wing}/registry.py",  # made_by reads the wing's table by name
}


@functools.cache
def module_closure(script: str) -> tuple[str, ...]:
    """The library files ``script`` imports, directly or through other library modules (sorted, relative to
    src/), with every parent package's __init__.py (Python runs it on import) and the data files the library
    reads as code (DATA_OF)."""
    seen: set[Path] = set()
    todo = [Path(script)]
    while todo:
        for name in _imported(todo.pop()):
            parts = name.split(".")
            for i in range(1, len(parts) + 1):
                f = _module_file(".".join(parts[:i]))
                if f is not None and f not in seen:
                    seen.add(f)
                    todo.append(f)
    rels = {str(f.relative_to(SRC)) for f in seen}
    wings = {r.split("/")[1] for r in rels if r.count("/") >= 2}  # implreg/<wing>/...
    for module, pattern in DATA_OF.items():
        if module in rels:
            for wing in wings if "{wing}" in pattern else [""]:
                rels |= {str(f.relative_to(SRC)) for f in SRC.glob(pattern.format(wing=wing))}
    return tuple(sorted(rels))


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                if isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
    return tree


@functools.cache
def _code_bytes(path: Path) -> bytes:
    """What of a file can change a result: a Python module's syntax tree without comments and docstrings (a
    reworded docstring or comment reruns nothing), any other file (paper values, templates) as it is."""
    if path.suffix != ".py":
        return path.read_bytes()
    return ast.dump(_without_docstrings(ast.parse(path.read_text(), filename=str(path)))).encode()


# Own hashing rather than implreg.checkpoint.fingerprint: that module imports torch, and this one runs while
# Snakemake parses the workflow.
def _digest(files) -> str:
    h = hashlib.sha256()
    for rel, path in files:
        h.update(rel.encode() + b"\0" + _code_bytes(Path(path)) + b"\0")
    return h.hexdigest()[:16]


@functools.cache
def lib_code(script: str) -> str:
    """A short hash of the code ``script`` runs: the script itself and the library modules it imports.

    The script is in too: Snakemake records no code for `script:` rules (snakemake/snakemake#2192), so an edit
    of a plot or training script would otherwise rerun nothing. Its label is fixed, not its path, so a moved
    checkout reruns nothing."""
    return _digest([("__script__", Path(script)), *((rel, SRC / rel) for rel in module_closure(script))])


def loaded_code() -> str:
    """A short hash of the running job's code: its script (``__main__``; Snakemake points its __file__ at the
    original) and every implreg module loaded."""
    files = []
    for name, mod in sorted(sys.modules.items()):
        path = getattr(mod, "__file__", None)
        if path and (name == PACKAGE or name.startswith(PACKAGE + ".")):
            files.append((name, path))
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if main and Path(main).is_file():
        files.append(("__main__", main))
    return _digest(files)
