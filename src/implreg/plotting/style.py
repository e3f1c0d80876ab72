"""Shared look of all figures and deterministic saving (same bytes on every rerun)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import seaborn as sns

from implreg.io import atomic_path


def apply_style() -> None:
    sns.set_theme(context="paper", style="whitegrid", font_scale=1.0)
    plt.rcParams.update(
        {
            "pdf.fonttype": 42,  # editable text in PDFs
            "svg.hashsalt": "implreg",
            "savefig.bbox": "tight",
            "figure.dpi": 100,
        }
    )


def save_figure(fig, pdf_path: str | Path, png_path: str | Path | None = None, dpi: int = 150) -> None:
    """Save PDF (and a PNG twin for the HTML report) without timestamps, atomically."""
    with atomic_path(pdf_path, suffix=".pdf") as tmp:
        fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "ModDate": None, "Producer": None})
    if png_path is not None:
        with atomic_path(png_path, suffix=".png") as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)


# Hollow black shapes of the papers' own points, one per kind of point in a panel (draw_paper_markers).
PAPER_SHAPES = ("D", "s", "p", "h", "^")


def draw_paper_markers(ax, markers: list[dict] | None, axes_index: int = 0) -> None:
    """The paper's own points (from <paper>/paper_values.yaml) on our axes, as hollow black "paper" markers,
    so agreement is seen, not read. Markers for other axes of a multi-panel figure are skipped. Each distinct
    label gets its own hollow shape (diamond, square, pentagon, ...), so two kinds of paper point stay apart."""
    shapes: dict[str, str] = {}
    for m in markers or []:
        if int(m.get("axes", 0)) != axes_index:
            continue
        label = m.get("label", "paper")
        shape = shapes.setdefault(label, PAPER_SHAPES[len(shapes) % len(PAPER_SHAPES)])
        ax.plot(
            m["x"],
            m["y"],
            linestyle="none",
            marker=shape,
            markersize=5,
            markerfacecolor="none",
            markeredgecolor="black",
            markeredgewidth=1.0,
            label=label,
            zorder=5,
        )
