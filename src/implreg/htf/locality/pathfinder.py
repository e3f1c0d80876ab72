"""Pathfinder images (Linsley et al. 2018, as adapted by the htf paper), generated natively at any scale.

An image shows two dashed *target* paths ("snakes") of L paddles each, starting `seed_distance` apart, plus
ceil(90/L) distractor snakes of floor(L/3) paddles, on a black background. Two markers (discs) sit on the
origin tip of one target path and on the terminal tip of either the same path (label 1, "connected") or the
other one (label 0). Labels are Bernoulli(1/2).

Our own vectorised generator (not the authors' code): geometry is continuous (float pixel coordinates),
paddles are drawn by supersampled distance-to-segment coverage (anti-aliasing), and free space is an
integer occupancy raster: every placed paddle marks the pixels within ``thickness + 2·margin`` of its centre
line, and a new paddle is accepted when none of its (rounded) centre-line points falls on a marked pixel —
except the previous paddle of its own snake, which it continues. All candidate directions of a step are
tested at once; the next direction is drawn with the original's continuity weights
``cos(min(|Δθ|·continuity, π/2))²``. Each image draws from its own ``numpy`` generator seeded by
(seed, split, L, index), so image i is the same whatever else is generated, and chunks generate in parallel.

Geometries (spec section 8): :data:`PAPER_GEOMETRY` is the authors' 300×300 window (paddles 5 px long,
2 px thick, margin 3, markers of radius 3), box-downsampled ×2 to 150×150 (the paper resizes 300→150).
:data:`REDUCED_GEOMETRY` is the faithful low-resolution version, a 100×100 window with every length scaled
by ~1/3 (paddle 2 px, thickness 1, margin 1, seed distance 9, padding 7, markers of radius 2); a plain
resize of 300→100 would shrink paddles to sub-pixel size.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
from dataclasses import asdict, dataclass, field

import numpy as np

from implreg.errors import ConfigError, DataError

SPLITS = {"train": 0, "test": 1}
PATH_LENGTHS = (3, 5, 7, 9)


@dataclass(frozen=True)
class PathfinderGeometry:
    """Pixel geometry of one image (lengths in pixels of the generation window).

    window: side of the square generation window; downsample: integer box-downsampling factor applied last
    (output side = window // downsample); padding: border kept free of paddles; seed_distance: distance
    between the two target paths' first tips; paddle_length / paddle_thickness / margin: dash length, width
    and the gap between consecutive dashes; marker_radius: radius of the two marker discs; continuity: turn
    penalty; n_angles: directions tried per step; antialias: sub-samples per pixel and axis; distractors /
    distractor_length: None = the original's ceil(90/L) snakes of floor(L/3) paddles.
    """

    window: int = 100
    downsample: int = 1
    padding: int = 7
    seed_distance: float = 9.0
    paddle_length: float = 2.0
    paddle_thickness: float = 1.0
    margin: float = 1.0
    marker_radius: float = 2.0
    continuity: float = 1.8
    n_angles: int = 72
    antialias: int = 2
    distractors: int | None = None
    distractor_length: int | None = None
    max_distractor_tries: int = 5
    max_image_tries: int = 100

    def validate(self) -> None:
        if self.window < 16 or self.downsample < 1 or self.window % self.downsample:
            raise ConfigError(
                f"pathfinder `window` ({self.window}) must be >= 16 and divisible by `downsample` ({self.downsample})."
            )
        if self.padding < 0 or 2 * (self.padding + 2 * self.seed_distance) >= self.window:
            raise ConfigError(
                f"pathfinder `padding` {self.padding} and `seed_distance` {self.seed_distance} leave no room "
                f"in a {self.window}-pixel window; lower them or enlarge `window`."
            )
        positive = ("paddle_length", "paddle_thickness", "margin", "marker_radius", "seed_distance")
        for key in positive:
            if not getattr(self, key) > 0:
                raise ConfigError(f"pathfinder `{key}` must be > 0, got {getattr(self, key)}.")
        if self.n_angles < 8 or self.antialias < 1 or self.continuity < 0:
            raise ConfigError("pathfinder needs n_angles >= 8, antialias >= 1 and continuity >= 0.")

    @property
    def size(self) -> int:
        """Side of the output images."""
        return self.window // self.downsample

    @property
    def exclusion(self) -> float:
        """Centre-line distance every paddle keeps from the paddles of other snakes (and its own, but the last)."""
        return self.paddle_thickness + 2 * self.margin

    def n_distractors(self, path_length: int) -> int:
        return math.ceil(90 / path_length) if self.distractors is None else int(self.distractors)

    def distractor_paddles(self, path_length: int) -> int:
        return max(1, path_length // 3) if self.distractor_length is None else int(self.distractor_length)

    def to_dict(self) -> dict:
        return asdict(self)


REDUCED_GEOMETRY = PathfinderGeometry()
PAPER_GEOMETRY = PathfinderGeometry(
    window=300,
    downsample=2,
    padding=22,
    seed_distance=27.0,
    paddle_length=5.0,
    paddle_thickness=2.0,
    margin=3.0,
    marker_radius=3.0,
)
GEOMETRIES = {"reduced": REDUCED_GEOMETRY, "paper": PAPER_GEOMETRY}


def geometry_from(spec: dict | str | PathfinderGeometry) -> PathfinderGeometry:
    """A geometry from a preset name ("reduced", "paper"), a dict of fields (optionally with "base"), or itself."""
    if isinstance(spec, PathfinderGeometry):
        return spec
    if isinstance(spec, str):
        if spec not in GEOMETRIES:
            raise ConfigError(f"unknown pathfinder geometry {spec!r}; use one of {list(GEOMETRIES)} or a dict.")
        return GEOMETRIES[spec]
    spec = dict(spec)
    base = geometry_from(spec.pop("base", "reduced"))
    unknown = sorted(set(spec) - set(asdict(base)))
    if unknown:
        raise ConfigError(f"unknown pathfinder geometry key(s) {unknown}; allowed: {sorted(asdict(base))}.")
    geo = PathfinderGeometry(**{**asdict(base), **spec})
    geo.validate()
    return geo


# ------------------------------------------------------------------------------------------------ one image


@dataclass
class _Canvas:
    """Occupancy raster (counts of paddles claiming each pixel; the border band is permanently claimed)."""

    geo: PathfinderGeometry
    occ: np.ndarray = field(init=False)
    offsets: np.ndarray = field(init=False)  # [K, n_pts] distances along a paddle of its centre-line points

    def __post_init__(self):
        g, w = self.geo, self.geo.window
        self.occ = np.ones((w, w), dtype=np.int16)
        self.occ[g.padding : w - g.padding, g.padding : w - g.padding] = 0
        n_pts = max(3, math.ceil(2 * g.paddle_length) + 1)
        self.offsets = np.linspace(0.0, g.paddle_length, n_pts)

    def claim_pixels(self, tail: np.ndarray, head: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixels (rows, cols) within `exclusion` of the segment tail-head."""
        d, w = self.geo.exclusion, self.geo.window
        lo = np.maximum(np.floor(np.minimum(tail, head) - d).astype(int), 0)
        hi = np.minimum(np.ceil(np.maximum(tail, head) + d).astype(int) + 1, w)
        rr, cc = np.mgrid[lo[0] : hi[0], lo[1] : hi[1]]
        dist = _point_segment_distance(np.stack([rr, cc], -1).astype(float), tail, head)
        keep = dist <= d
        return rr[keep], cc[keep]

    def free(self, tails: np.ndarray, dirs: np.ndarray, ignore: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        """Which of K candidate paddles (tails ``[K, 2]``, unit directions ``[K, 2]``) fit: all centre-line
        points inside the window and on unclaimed pixels (`ignore`: pixels of the paddle being continued)."""
        pts = tails[:, None, :] + self.offsets[None, :, None] * dirs[:, None, :]  # [K, n_pts, 2]
        idx = np.rint(pts).astype(int)
        w = self.geo.window
        inside = ((idx >= 0) & (idx < w)).all(axis=(1, 2))
        idx = np.clip(idx, 0, w - 1)
        occ = self.occ
        if ignore is not None:
            occ = occ.copy()
            occ[ignore] -= 1
        return inside & (occ[idx[..., 0], idx[..., 1]] == 0).all(axis=1)

    def add(self, pixels: tuple[np.ndarray, np.ndarray], sign: int = 1) -> None:
        np.add.at(self.occ, pixels, sign)


def _point_segment_distance(q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = b - a
    t = np.clip(((q - a) @ d) / max(float(d @ d), 1e-12), 0.0, 1.0)
    return np.linalg.norm(q - a - t[..., None] * d, axis=-1)


def _unit(theta: np.ndarray) -> np.ndarray:
    return np.stack([np.sin(theta), np.cos(theta)], axis=-1)  # (dy, dx)


class _Snake:
    """A dashed path under construction: its paddles and the claimed pixels of each."""

    def __init__(self):
        self.paddles: list[tuple[np.ndarray, np.ndarray]] = []  # (tail, head), float (y, x)
        self.pixels: list[tuple[np.ndarray, np.ndarray]] = []
        self.theta = 0.0

    def place(self, canvas: _Canvas, tail: np.ndarray, theta: float) -> None:
        head = tail + canvas.geo.paddle_length * _unit(np.array(theta))
        self.paddles.append((tail, head))
        px = canvas.claim_pixels(tail, head)
        self.pixels.append(px)
        canvas.add(px)
        self.theta = theta

    def remove(self, canvas: _Canvas) -> None:
        for px in self.pixels:
            canvas.add(px, -1)

    def extend(self, canvas: _Canvas, rng: np.random.Generator) -> bool:
        """Add one paddle continuing the last one after a gap of `margin`; False at a dead end."""
        g = canvas.geo
        angles = np.linspace(-np.pi, np.pi, g.n_angles, endpoint=False)
        delta = np.abs((angles - self.theta + np.pi) % (2 * np.pi) - np.pi)
        weights = np.cos(np.minimum(delta * g.continuity, np.pi / 2)) ** 2
        weights[weights < 1e-9] = 0.0
        dirs = _unit(angles)
        tails = self.paddles[-1][1][None, :] + g.margin * dirs
        ok = canvas.free(tails, dirs, ignore=self.pixels[-1])
        weights = weights * ok
        total = weights.sum()
        if total <= 0:
            return False
        k = int(rng.choice(len(angles), p=weights / total))
        self.place(canvas, tails[k], float(angles[k]))
        return True


def _seed(canvas: _Canvas, rng: np.random.Generator, lo: float, hi: float, tries: int = 50) -> _Snake | None:
    """A one-paddle snake whose tail is uniform in [lo, hi)² and direction uniform, on free space."""
    for _ in range(tries):
        tail = rng.uniform(lo, hi, size=2)
        theta = float(rng.uniform(-np.pi, np.pi))
        if canvas.free(tail[None], _unit(np.array([theta])), None)[0]:
            snake = _Snake()
            snake.place(canvas, tail, theta)
            return snake
    return None


def _targets(canvas: _Canvas, rng: np.random.Generator, length: int) -> list[_Snake] | None:
    g, w = canvas.geo, canvas.geo.window
    first = _seed(canvas, rng, g.padding + 2 * g.seed_distance, w - g.padding - 2 * g.seed_distance)
    if first is None:
        return None
    for _ in range(50):  # the second path starts seed_distance from the first one's tip, at a random angle
        phi, theta = rng.uniform(-np.pi, np.pi, size=2)
        tail = first.paddles[0][0] + g.seed_distance * _unit(phi)
        if canvas.free(tail[None], _unit(np.array([theta])), None)[0]:
            second = _Snake()
            second.place(canvas, tail, float(theta))
            break
    else:
        return None
    snakes = [first, second]
    for _ in range(length - 1):
        for snake in snakes:
            if not snake.extend(canvas, rng):
                return None
    return snakes


def _distractors(canvas: _Canvas, rng: np.random.Generator, count: int, length: int) -> list[_Snake]:
    g, w = canvas.geo, canvas.geo.window
    out = []
    for _ in range(count):
        for _ in range(g.max_distractor_tries):
            snake = _seed(canvas, rng, g.padding, w - g.padding, tries=5)
            if snake is None:
                continue
            if all(snake.extend(canvas, rng) for _ in range(length - 1)):
                out.append(snake)
                break
            snake.remove(canvas)
    return out


def _render(geo: PathfinderGeometry, segments: np.ndarray, discs: np.ndarray) -> np.ndarray:
    """Supersampled coverage of `segments` ``[N, 2, 2]`` (width `paddle_thickness`) and `discs` ``[M, 2]``."""
    w, aa = geo.window, geo.antialias
    img = np.zeros((w, w))
    sub = (np.arange(aa) + 0.5) / aa - 0.5  # sub-pixel offsets around each pixel centre
    sy, sx = np.meshgrid(sub, sub, indexing="ij")
    sub_pts = np.stack([sy.ravel(), sx.ravel()], -1)  # [aa², 2]

    def stamp(centres: np.ndarray, half: int, coverage_fn) -> None:
        base = np.rint(centres).astype(int)  # [N, 2]
        off = np.arange(-half, half + 1)
        oy, ox = np.meshgrid(off, off, indexing="ij")
        pix = base[:, None, :] + np.stack([oy.ravel(), ox.ravel()], -1)[None]  # [N, P, 2]
        pts = pix[:, :, None, :] + sub_pts[None, None]  # [N, P, aa², 2]
        cov = coverage_fn(pts).mean(axis=-1)  # [N, P]
        inside = ((pix >= 0) & (pix < w)).all(-1)
        np.maximum.at(img, (pix[inside][:, 0], pix[inside][:, 1]), cov[inside])

    if len(segments):
        a, b = segments[:, 0], segments[:, 1]
        half = math.ceil(geo.paddle_length / 2 + geo.paddle_thickness) + 1

        def seg_cov(pts):
            d = (b - a)[:, None, None, :]
            t = np.clip(((pts - a[:, None, None, :]) * d).sum(-1) / (d**2).sum(-1).clip(1e-12), 0, 1)
            dist = np.linalg.norm(pts - a[:, None, None, :] - t[..., None] * d, axis=-1)
            return dist <= geo.paddle_thickness / 2

        stamp((a + b) / 2, half, seg_cov)
    if len(discs):
        half = math.ceil(geo.marker_radius) + 1
        stamp(discs, half, lambda pts: np.linalg.norm(pts - discs[:, None, None, :], axis=-1) <= geo.marker_radius)
    if geo.downsample > 1:
        k = geo.downsample
        img = img.reshape(w // k, k, w // k, k).mean(axis=(1, 3))
    peak = img.max()
    return np.rint(255 * img / peak).astype(np.uint8) if peak > 0 else img.astype(np.uint8)


def image_rng(seed: int, split: str, path_length: int, index: int) -> np.random.Generator:
    if split not in SPLITS:
        raise ConfigError(f"pathfinder split must be one of {list(SPLITS)}, got {split!r}.")
    return np.random.default_rng([int(seed), SPLITS[split], int(path_length), int(index)])


def generate_image(path_length: int, geo: PathfinderGeometry, rng: np.random.Generator) -> tuple[np.ndarray, int, dict]:
    """One image ``uint8 [size, size]``, its label (1 = markers on one path) and its geometry:
    ``{"targets": [[L, 2, 2]] * 2, "distractors": [[n, 2, 2], ...], "markers": [2, 2], "origin": k}``
    (paddle tails and heads and marker centres, in window pixels)."""
    if int(path_length) < 1:
        raise ConfigError(f"pathfinder path length must be >= 1, got {path_length}.")
    label = int(rng.integers(2))
    for _ in range(geo.max_image_tries):
        canvas = _Canvas(geo)
        targets = _targets(canvas, rng, int(path_length))
        if targets is not None:
            break
    else:
        raise DataError(
            f"pathfinder: could not place two paths of length {path_length} in {geo.max_image_tries} tries; "
            "enlarge `window` or lower `paddle_length` / `margin` / `padding`."
        )
    distractors = _distractors(canvas, rng, geo.n_distractors(path_length), geo.distractor_paddles(path_length))
    origin = int(rng.integers(2))
    terminal = origin if label == 1 else 1 - origin
    markers = np.stack([targets[origin].paddles[0][0], targets[terminal].paddles[-1][1]])
    as_array = [np.array([[t, h] for t, h in s.paddles]) for s in (*targets, *distractors)]
    img = _render(geo, np.concatenate(as_array), markers)
    meta = {"targets": as_array[:2], "distractors": as_array[2:], "markers": markers, "origin": origin}
    return img, label, meta


# --------------------------------------------------------------------------------------------- many images


def _chunk(args: tuple) -> tuple[np.ndarray, np.ndarray]:
    path_length, geo, split, seed, start, stop = args
    imgs = np.empty((stop - start, geo.size, geo.size), dtype=np.uint8)
    labels = np.empty(stop - start, dtype=np.uint8)
    for k, i in enumerate(range(start, stop)):
        imgs[k], labels[k], _ = generate_image(path_length, geo, image_rng(seed, split, path_length, i))
    return imgs, labels


def generate(
    n: int,
    path_length: int,
    split: str,
    seed: int,
    geo: PathfinderGeometry = REDUCED_GEOMETRY,
    workers: int = 1,
    chunk_size: int = 250,
    start: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Images ``uint8 [n, size, size]`` (indices start..start+n-1 of `split`) and labels ``uint8 [n]``.

    Deterministic: image i depends only on (seed, split, path_length, i), so the result is the same for any
    `workers` and `chunk_size`, and the first n images of a longer set equal a set of n.
    """
    geo.validate()
    if n < 0:
        raise ConfigError(f"number of pathfinder images must be >= 0, got {n}.")
    image_rng(seed, split, path_length, 0)  # validates the split
    bounds = [*list(range(start, start + n, max(1, chunk_size))), start + n]
    jobs = [(int(path_length), geo, split, int(seed), a, b) for a, b in itertools.pairwise(bounds)]
    if workers > 1 and len(jobs) > 1:
        with multiprocessing.get_context("spawn").Pool(min(workers, len(jobs))) as pool:
            parts = pool.map(_chunk, jobs)
    else:
        parts = [_chunk(j) for j in jobs]
    if not parts:
        return np.empty((0, geo.size, geo.size), np.uint8), np.empty(0, np.uint8)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# ------------------------------------------------------------------------------------------------- checks


def _segment_gap(s1: np.ndarray, s2: np.ndarray, n: int = 21) -> float:
    """Approximate distance between two segments ``[2, 2]`` (dense point samples)."""
    t = np.linspace(0, 1, n)[:, None]
    p = s1[0] + t * (s1[1] - s1[0])
    q = s2[0] + t * (s2[1] - s2[0])
    return float(np.linalg.norm(p[:, None] - q[None], axis=-1).min())


def markers_connected(meta: dict, geo: PathfinderGeometry) -> bool:
    """Whether a chain of paddles, each within `link` pixels of the next, joins the two markers.

    `link` lies between the gap inside a path (``margin``) and the smallest distance the occupancy raster
    allows between paddles of different paths (``exclusion`` less the half-diagonal rounding of a pixel), so
    this recovers "connected" from the drawn geometry alone (all paths, distractors included).
    """
    link = (geo.margin + geo.exclusion - math.sqrt(0.5)) / 2
    segs = np.concatenate([*meta["targets"], *meta["distractors"]])
    n = len(segs)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if _segment_gap(segs[i], segs[j]) <= link:
                parent[find(i)] = find(j)

    def touching(point):
        return {find(i) for i in range(n) if min(np.linalg.norm(segs[i] - point, axis=1)) < 1e-6}

    return bool(touching(meta["markers"][0]) & touching(meta["markers"][1]))
