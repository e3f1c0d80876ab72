"""report/index.html opened in a real browser (headless Chromium): every figure, claims table and the summary.

Needs Debian's `chromium` (`.ci/run` installs it and sets IMPLREG_REQUIRE_BROWSER=1, which turns a missing
browser into a failure instead of a skip). No Python browser package is used: Chromium's own --dump-dom and
--screenshot. The screenshot is saved in the test's tmp dir, and also to $IMPLREG_SCREENSHOT if set.
"""

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
]

# Appended to a copy of the page: after load, each image records whether the browser decoded it.
PROBE = """
<script>
window.addEventListener("load", () => {
  for (const img of document.images) {
    img.setAttribute("data-decoded", img.complete && img.naturalWidth > 0 ? "yes" : "no");
  }
  document.body.setAttribute("data-probe", "done");
});
</script>
"""


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("IMPLREG_REQUIRE_BROWSER"):
            pytest.fail("chromium not found; install it (apt-get install chromium) or run .ci/run, which does")
        pytest.skip("chromium not installed (apt-get install chromium); .ci/run installs it")
    return exe


def run_chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


class Dom(HTMLParser):
    """The elements the test looks for, with their attributes and nesting."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.figures: dict[str, dict] = {}
        self.summary_rows: list[str] = []
        self.ids: set[str] = set()
        self.body: dict = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "body":
            self.body = a
        section = next((s for t, s in reversed(self.stack) if t == "section" and "figure" in s.get("class", "")), None)
        if tag == "section" and "figure" in a.get("class", ""):
            self.figures[a["data-figure"]] = {"img": [], "claims_tables": 0, "claim_rows": 0}
        elif section is not None:
            fig = self.figures[section["data-figure"]]
            if tag == "img":
                fig["img"].append(a)
            elif tag == "table" and "claims" in a.get("class", ""):
                fig["claims_tables"] += 1
            elif tag == "tr" and a.get("data-claim"):
                fig["claim_rows"] += 1
        if tag == "tr" and a.get("data-paper") and any(s.get("id") == "summary" for t, s in self.stack):
            self.summary_rows.append(a["data-paper"])
        if tag not in ("img", "meta", "br", "link", "input"):
            self.stack.append((tag, a))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


@pytest.mark.dag
def test_report_renders_in_chromium(smoke_dir, tmp_path):
    report = smoke_dir / "report" / "index.html"
    page = tmp_path / "index.html"
    page.write_text(report.read_text().replace("</body>", PROBE + "</body>"))
    proc = run_chromium(page, tmp_path / "profile-dom", "--virtual-time-budget=10000", "--dump-dom")
    assert proc.returncode == 0 and "<html" in proc.stdout, proc.stderr[-2000:]
    dom = Dom()
    dom.feed(proc.stdout)
    assert dom.body.get("data-probe") == "done", "the load handler did not run"

    claims = (smoke_dir / "figures").rglob("*.claims.json")
    expected = sorted(f"{p.parent.name}/{p.name.removesuffix('.claims.json')}" for p in claims)
    assert sorted(dom.figures) == expected
    for fig, found in dom.figures.items():
        assert any(i.get("src", "").startswith("data:image/png;base64,") for i in found["img"]), fig
        assert all(i.get("data-decoded") == "yes" for i in found["img"]), f"{fig}: an image did not decode"
        assert found["claims_tables"] == 1 and found["claim_rows"] > 0, fig
    assert {"summary", "verdict", "rescience", "provenance"} <= dom.ids
    assert sorted(dom.summary_rows) == ["htf", "norms", "tf"]

    shot = tmp_path / "report_screenshot.png"
    proc = run_chromium(report, tmp_path / "profile-shot", "--window-size=1280,3000", f"--screenshot={shot}")
    assert proc.returncode == 0 and shot.stat().st_size > 50_000, proc.stderr[-2000:]
    if os.environ.get("IMPLREG_SCREENSHOT"):
        shutil.copy(shot, os.environ["IMPLREG_SCREENSHOT"])
