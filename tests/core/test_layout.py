"""The layout's rules: the core imports no paper, no paper imports another, scripts glue one paper to the core."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "implreg"
WINGS = ("norms", "tf", "htf")


def implreg_imports(path: Path) -> set[str]:
    """Dotted `implreg.*` modules a file imports (absolute imports only: ruff's TID252 bans relative ones)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("implreg"):
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("implreg")}
    return out


def wing_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in WINGS else None


def test_every_paper_has_a_wing():
    for wing in WINGS:
        assert (SRC / wing / "__init__.py").is_file(), wing
        assert list((REPO / "scripts" / wing).glob("*.py")), wing
        assert list((REPO / "tests" / wing).glob("test_*.py")), wing


@pytest.mark.parametrize("wing", WINGS)
def test_no_paper_imports_another(wing):
    bad = {
        f"{path.relative_to(REPO)} imports {mod}"
        for path in (SRC / wing).rglob("*.py")
        for mod in implreg_imports(path)
        if wing_of(mod) not in (None, wing)
    }
    assert not bad, "move what two papers share into the core:\n" + "\n".join(sorted(bad))


def test_core_imports_no_paper():
    core = [p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] not in WINGS]
    bad = {f"{p.relative_to(REPO)} imports {m}" for p in core for m in implreg_imports(p) if wing_of(m)}
    assert not bad, "\n".join(sorted(bad))


@pytest.mark.parametrize("folder", ["scripts", "tests"])
def test_scripts_and_tests_use_only_their_papers_wing(folder):
    bad = set()
    for path in (REPO / folder).rglob("*.py"):
        group = path.relative_to(REPO / folder).parts[0]
        own = group if group in WINGS else None
        bad |= {f"{path.relative_to(REPO)} imports {m}" for m in implreg_imports(path) if wing_of(m) not in (None, own)}
    assert not bad, "\n".join(sorted(bad))


def test_the_checker_sees_a_cross_wing_import(tmp_path):
    """The tests above would pass vacuously if the import scan missed imports."""
    f = tmp_path / "m.py"
    f.write_text("from implreg.tf.dynamics import x\nimport implreg.htf.dynamics\n")
    assert {wing_of(m) for m in implreg_imports(f)} == {"tf", "htf"}
