"""Inputs for the demos and widgets: the notes' edge image, patterns, offline photos; and
``figure``, one of the course's drawn figures as a notebook shows it.

Photographs come from scikit-image's bundled sample images -- the ones
inside the installed package, so they load with no network. Every input
is a float tensor in [0, 1]: (h, w) for grey images.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

from cnn_helpers import core

# scikit-image samples shipped inside the wheel (no download): name -> description
PHOTOS = {
    "camera": "cameraman (grey, 512x512)",
    "coins": "coins (grey, 303x384)",
    "astronaut": "astronaut (colour, 512x512)",
    "chelsea": "Chelsea the cat (colour, 300x451)",
    "text": "text on a page (grey, 172x448)",
}


def edge_image(height: int = 6, width: int = 8) -> torch.Tensor:
    """The notes' 6x8 image: white (1) with a black (0) band in columns 2-5 (1.1)."""
    X = torch.ones((height, width))
    X[:, 2:6] = 0
    return X


def checkerboard(size: int = 32, square: int = 4) -> torch.Tensor:
    """Black and white squares: edges in both directions."""
    rows = (torch.arange(size) // square) % 2
    return (rows[:, None] ^ rows[None, :]).float()


@lru_cache(maxsize=None)
def _load_photo(name: str) -> np.ndarray:
    from skimage import data

    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; choose one of {', '.join(PHOTOS)}")
    return getattr(data, name)()


def photo(name: str = "camera", size: int | None = 256, grey: bool = True) -> torch.Tensor:
    """A sample photograph as floats in [0, 1]: (h, w) if ``grey`` else (3, h, w).

    ``size`` resizes the shorter side (keeping the aspect ratio) and crops
    the centre square, so that widgets stay fast; ``None`` keeps the original.
    """
    from skimage.color import rgb2gray
    from skimage.transform import resize

    image = _load_photo(name)
    image = image.astype(np.float32) / 255.0 if image.dtype == np.uint8 else image.astype(np.float32)
    if image.ndim == 3:
        image = image[..., :3]
        if grey:
            image = rgb2gray(image)
    if size is not None:
        h, w = image.shape[:2]
        scale = size / min(h, w)
        image = resize(image, (round(h * scale), round(w * scale)), anti_aliasing=True)
        h, w = image.shape[:2]
        top, left = (h - size) // 2, (w - size) // 2
        image = image[top : top + size, left : left + size]
    tensor = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    return tensor if tensor.dim() == 2 else tensor.permute(2, 0, 1)


def shifted(X: torch.Tensor, rows: int = 0, cols: int = 0) -> torch.Tensor:
    """``X`` moved by (rows, cols) pixels, the uncovered border filled with the edge values."""
    h, w = X.shape[-2:]
    padded = torch.nn.functional.pad(
        X.reshape(1, -1, h, w), (abs(cols), abs(cols), abs(rows), abs(rows)), mode="replicate"
    )
    top, left = abs(rows) - rows, abs(cols) - cols
    return padded[..., top : top + h, left : left + w].reshape(X.shape)


def transformed(X: torch.Tensor, shift: float = 0.0, angle: float = 0.0, scale: float = 1.0) -> torch.Tensor:
    """(h, w) image ``X`` shifted right by ``shift`` pixels, rotated by ``angle`` degrees
    (counter-clockwise) and rescaled by ``scale`` (1.1: 10% larger), about its centre.

    Bilinear interpolation (``F.grid_sample``), the border values repeated
    where the image uncovers its edge. A whole-pixel shift alone is exact
    (``shifted``): no interpolation, so unchanged values stay exactly equal.
    Used by chapter 2 to test the notes' translation, rotation and scale
    invariance.

    Args:
        X: one grey (h, w) image.
        shift: pixels to the right.
        angle: degrees, counter-clockwise.
        scale: the factor (1.1: 10% larger).

    Returns:
        The transformed (h, w) image.

    Raises:
        ValueError: for a non-positive ``scale`` or a non-2-D ``X``.
    """
    if X.dim() != 2:
        raise ValueError(f"X must be one grey image (height, width), got {tuple(X.shape)}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if angle == 0 and scale == 1 and float(shift).is_integer():
        return shifted(X, 0, int(shift))
    h, w = X.shape
    a = math.radians(angle)
    # each output pixel p reads the input at A p + t (coordinates from -1 to 1 across the image)
    A = torch.tensor([[math.cos(a), -math.sin(a) * h / w], [math.sin(a) * w / h, math.cos(a)]]) / scale
    t = torch.tensor([[-2.0 * shift / w], [0.0]])
    grid = torch.nn.functional.affine_grid(torch.cat([A, t], 1)[None].to(X), (1, 1, h, w),
                                           align_corners=False)
    return torch.nn.functional.grid_sample(X[None, None], grid, mode="bilinear", padding_mode="border",
                                           align_corners=False)[0, 0]


def figure(name: str):
    """The course's figure ``name`` (``images/name`` in the checkout, the wheel's copy when the
    package is installed alone, on a hosted Jupyter) as an image a notebook displays; for a
    Chinese reader ``images/zh/name`` where ``make figures`` drew one.
    Raises ``ValueError`` naming the figures there are when there is none of that name."""
    from IPython.display import Image

    from cnn_helpers.core.language import current_language

    path = core.FIGURES / name
    translated = core.FIGURES / current_language() / name  # images/zh/: drawn in Chinese
    if current_language() != "en" and translated.is_file():
        path = translated
    if not path.is_file():
        known = ", ".join(sorted(p.name for p in core.FIGURES.glob("*.png"))) or "none"
        raise ValueError(f"the course has no figure {name!r} in {core.FIGURES}; it has: {known}")
    return Image(filename=str(path))
