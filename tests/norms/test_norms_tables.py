"""Issue 27 item 7: a one-row table whose only value in a numeric column is text is named with its file."""

import ast
from pathlib import Path

import pytest

from implreg.errors import DataError
from implreg.io import read_csv_rows, write_csv
from implreg.norms import tables

SCRIPTS = sorted((Path(__file__).resolve().parents[2] / "scripts" / "norms").glob("*.py"))


def test_a_one_row_table_with_text_in_a_numeric_column_names_the_file(tmp_path):
    path = tmp_path / "linear.csv"
    write_csv(path, [{"num_obs": 0, "what": "target", "error": 0.0, "rank": 1}])
    path.write_text(path.read_text().replace("0.0", "abc"))
    assert read_csv_rows(path)[0]["error"] == "abc"  # nothing to infer the column's type from
    with pytest.raises(DataError, match=r"linear\.csv.*'abc' in the numeric column 'error'"):
        read_csv_rows(path, numeric=tables.TC_LINEAR)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_norms_reader_declares_its_numeric_columns(script):
    """Each read_csv_rows call names one of implreg.norms.tables' column lists, imported from there (a local
    variable of the same name once shadowed the module and broke the script)."""
    tree = ast.parse(script.read_text())
    imported = {
        a.asname or a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "implreg.norms.tables"
        for a in node.names
    }
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "read_csv_rows":
            numeric = [k.value for k in call.keywords if k.arg == "numeric"]
            assert numeric and isinstance(numeric[0], ast.Name), f"{script.name}: read_csv_rows without numeric="
            assert numeric[0].id in imported and hasattr(tables, numeric[0].id), (script.name, numeric[0].id)
