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
    calls = [
        node
        for node in ast.walk(ast.parse(script.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "read_csv_rows"
    ]
    assert all(any(k.arg == "numeric" for k in c.keywords) for c in calls), script.name
