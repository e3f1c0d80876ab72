"""A lower bound on the memory of one locality training job, checked against its rule's mem_mb before any job
runs (issue 27, item 6): a canvas, batch or width the machine cannot hold is refused up front, not hours in.

Kept apart from the training code so that estimating changes no training job's code fingerprint.
"""

from __future__ import annotations


def memory_lower_bound(
    batch_size: int, in_channels: int, height: int, width: int, model_width: int, n_images: int
) -> tuple[int, str]:
    """Bytes one training step needs at the least, and what dominates.

    Counted: the data set held as uint8 (`n_images` images of in_channels x height x width), one float32 input
    batch, and the stem's activations that backward keeps (conv, batch-norm and ReLU outputs of the 7x7 stride-2
    conv, `model_width` channels at half the resolution). Deeper stages, gradients, the optimiser and torch
    itself come on top, so a refusal is always right.
    """
    pixels = int(in_channels) * int(height) * int(width)
    stem = int(batch_size) * int(model_width) * (-(-int(height) // 2)) * (-(-int(width) // 2))
    parts = {
        f"{n_images} images of {in_channels}x{height}x{width} (uint8)": int(n_images) * pixels,
        f"a float32 batch of {batch_size} inputs": 4 * int(batch_size) * pixels,
        f"the stem's activations of a batch of {batch_size} at width {model_width} (float32, three kept)": 3 * 4 * stem,
    }
    return sum(parts.values()), max(parts, key=parts.get)
