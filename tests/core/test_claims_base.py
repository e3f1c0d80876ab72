"""Claims files: their format and the summary over many files."""

import numpy as np

from implreg.claims import Claim, summarise, write_claims


def test_claims_file_format_and_summary(tmp_path):
    path = tmp_path / "x.claims.json"
    doc = write_claims(
        path,
        "norms/x",
        "smoke",
        [
            Claim("a", "s", np.float64(np.nan), "e", True),
            Claim("b", "s", 1.0, "e", None),
            Claim("c", "s", 2, "e", False),
        ],
    )
    assert set(doc) == {"figure", "preset", "claims"}
    assert doc["claims"][0]["measured"] is None  # NaN is not valid JSON
    out = summarise([path])
    assert (out["passed"], out["failed"], out["untested"]) == (1, 1, 1)
    assert out["failures"][0]["id"] == "c"
