r"""Torch Datasets simulating in-line holograms of seeded phase (and amplitude) objects.

A sample is made from its index alone: a generator seeded by ``(seed, index)``
picks a source image from the dataset's *pool*, augments it, maps it to a
phase (and optionally an amplitude), propagates the field by the angular
spectrum method and records the intensity

.. math:: I = |\mathcal{P}_z\{a\,e^{i\theta}\}|^2 \;(+\text{noise}).

Splits never share source images: :func:`make_splits` divides the pool of
images (skimage image names, LFW face indices, digit indices, or procedural
cell seeds), not the samples.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch
from torch.utils.data import Dataset, TensorDataset

from .._checks import check_positive, check_shape_2d
from ..measure.intensity import gaussian_noise, intensity, poisson_noise
from ..measure.propagation import FreeSpacePropagation
from .phantoms import (
    SKIMAGE_IMAGES,
    cell_phantom,
    complex_field,
    digits,
    lfw_faces,
    load_image,
    normalize,
    random_patches,
    resize,
)

__all__ = [
    "SOURCES",
    "source_pool",
    "make_splits",
    "HologramDataset",
    "make_datasets",
    "sample_seed",
]

#: the image families a :class:`HologramDataset` can draw from
SOURCES = ("patches", "faces", "digits", "cells")

_N_CELL_SEEDS = 100_000


def sample_seed(seed: int, index: int) -> int:
    """A 63-bit seed derived from ``(seed, index)`` only.

    >>> sample_seed(0, 5) == sample_seed(0, 5) != sample_seed(1, 5)
    True
    """
    return int(
        np.random.SeedSequence([int(seed), int(index)]).generate_state(2, dtype=np.uint64)[0]
        >> np.uint64(1)
    )


def source_pool(source: str) -> list:
    """Every source item of a family: image names, face or digit indices, or cell seeds.

    >>> len(source_pool("faces")), source_pool("patches")[0]
    (200, 'camera')
    """
    if source == "patches":
        return list(SKIMAGE_IMAGES)
    if source == "faces":
        return list(range(200))
    if source == "digits":
        return list(range(1797))
    if source == "cells":
        return list(range(_N_CELL_SEEDS))
    raise ValueError(f"source: expected one of {SOURCES}, got {source!r}")


def make_splits(
    source: str, fractions=(0.8, 0.1, 0.1), *, seed: int = 0, names=("train", "val", "test")
) -> dict:
    """Split a family's pool of source images into disjoint parts (not its samples).

    Parameters
    ----------
    source : str
        One of :data:`SOURCES`.
    fractions : sequence of float
        Fraction of the pool per split (sum <= 1); each non-zero fraction gets at least one item.
    seed : int
        Seeds the permutation of the pool.
    names : sequence of str
        Split names, one per fraction.

    Returns
    -------
    dict
        ``{name: list of pool items}``, pairwise disjoint.

    Examples
    --------
    >>> s = make_splits("faces", (0.5, 0.25, 0.25))
    >>> [len(v) for v in s.values()], set(s["train"]) & set(s["test"])
    ([100, 50, 50], set())
    """
    fr = [float(f) for f in fractions]
    if len(fr) != len(names) or any(f < 0 for f in fr) or sum(fr) > 1 + 1e-9:
        raise ValueError(
            f"fractions: expected {len(names)} non-negative fractions summing to <= 1, "
            f"got {tuple(fractions)}"
        )
    pool = source_pool(source)
    perm = torch.randperm(len(pool), generator=torch.Generator().manual_seed(int(seed))).tolist()
    counts = [max(1, int(math.floor(f * len(pool)))) if f > 0 else 0 for f in fr]
    if sum(counts) > len(pool):
        raise ValueError(
            f"fractions: the pool of {source!r} has only {len(pool)} items, too few for "
            f"{len(names)} non-empty splits"
        )
    out, start = {}, 0
    for name, c in zip(names, counts):
        out[name] = [pool[i] for i in perm[start : start + c]]
        start += c
    return out


@functools.lru_cache(maxsize=None)
def _skimage(name: str) -> torch.Tensor:
    return load_image(name, dtype=torch.float32)


@functools.lru_cache(maxsize=4)
def _faces(shape) -> torch.Tensor:
    return lfw_faces(shape, dtype=torch.float32)


@functools.lru_cache(maxsize=4)
def _digits(shape) -> torch.Tensor:
    return normalize(digits(shape, dtype=torch.float32)[0])


class HologramDataset(Dataset):
    r"""In-line holograms of seeded objects, simulated per index: ``(hologram, target)`` pairs.

    Each item is ``hologram`` of shape ``(1, H, W)`` (intensity, unit plane-wave
    illumination) and ``target``: the phase ``(1, H, W)`` in radians, or with
    ``amplitude`` the stack ``(2, H, W)`` of amplitude (channel 0) and phase (channel 1).

    Parameters
    ----------
    source : {"patches", "faces", "digits", "cells"}
        Random crops of scikit-image images, LFW faces, scikit-learn digits, or procedural cells.
    n : int
        Number of samples.
    shape : tuple of int
        ``(H, W)`` of the images.
    distance, wavelength, pixel_size : float
        Recording distance, wavelength and pixel pitch in metres.
    pool : list, optional
        Source items to draw from (a split from :func:`make_splits`); default the whole family.
    max_phase : float
        Phase range in radians (image values in [0, 1] are scaled by it).
    amplitude : (float, float), optional
        Also an absorbing object: the amplitude is another pool image mapped to this range.
    photons : float, optional
        Poisson noise with this many photons per unit intensity.
    sigma : float, optional
        Additive Gaussian noise of this standard deviation.
    seed : int
        Sample ``i`` depends only on ``(seed, i)``.
    augment : bool
        Random flips and 90° rotations.

    Raises
    ------
    ValueError
        For an unknown source, an empty pool, items not in the family, non-positive
        physical parameters or ``n``.

    References
    ----------
    1. A. Sinha, J. Lee, S. Li, G. Barbastathis, "Lensless computational imaging through
       deep learning," Optica 4, 1117 (2017).
    2. H. Wang, M. Lyu, G. Situ, "eHoloNet: a learning-based end-to-end approach for
       in-line digital holographic reconstruction," Opt. Express 26, 22603 (2018).

    Examples
    --------
    >>> ds = HologramDataset("cells", n=4, shape=(32, 32), distance=1e-3, wavelength=532e-9,
    ...                      pixel_size=4e-6, seed=0)
    >>> holo, phase = ds[0]
    >>> holo.shape, phase.shape, bool(torch.equal(ds[0][0], holo))
    (torch.Size([1, 32, 32]), torch.Size([1, 32, 32]), True)
    """

    def __init__(
        self,
        source: str,
        *,
        n: int,
        shape,
        distance: float,
        wavelength: float,
        pixel_size: float,
        pool=None,
        max_phase: float = math.pi,
        amplitude=None,
        photons: float | None = None,
        sigma: float | None = None,
        seed: int = 0,
        augment: bool = True,
    ):
        full = source_pool(source)
        self.pool = list(full if pool is None else pool)
        if not self.pool:
            raise ValueError("pool: expected at least one source item, got none")
        valid = set(full)
        bad = [p for p in self.pool if p not in valid]
        if bad:
            raise ValueError(f"pool: items {bad[:3]} are not in the {source!r} family")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n: expected a positive int, got {n!r}")
        self.shape = check_shape_2d(shape)
        check_positive(max_phase, "max_phase", "rad")
        if amplitude is not None:
            lo, hi = (float(a) for a in amplitude)
            if not 0 <= lo <= hi:
                raise ValueError(
                    f"amplitude: expected a range (lo, hi) with 0 <= lo <= hi, got {amplitude!r}"
                )
            amplitude = (lo, hi)
        if photons is not None:
            check_positive(photons, "photons")
        if sigma is not None:
            check_positive(sigma, "sigma")
        self.source, self.n, self.seed, self.augment = source, n, int(seed), augment
        self.distance, self.wavelength, self.pixel_size = (
            float(distance),
            float(wavelength),
            pixel_size,
        )
        self.max_phase, self.amplitude, self.photons, self.sigma = (
            float(max_phase),
            amplitude,
            photons,
            sigma,
        )
        self.propagation = FreeSpacePropagation(
            self.shape, distance, wavelength, pixel_size, dtype=torch.complex64
        )

    def __len__(self) -> int:
        return self.n

    def _image(self, g: torch.Generator) -> torch.Tensor:
        """One source image in [0, 1], shape ``(H, W)``, drawn with ``g``."""
        item = self.pool[int(torch.randint(len(self.pool), (1,), generator=g))]
        h, w = self.shape
        if self.source == "patches":
            img = _skimage(item)
            side = min(img.shape)
            lo = min(max(h, w), side)
            size = int(torch.randint(lo, min(4 * max(h, w), side) + 1, (1,), generator=g))
            img = normalize(resize(random_patches(img, 1, size, rng=g)[0], (h, w)))
        elif self.source == "faces":
            img = _faces((h, w))[item]
        elif self.source == "digits":
            img = _digits((h, w))[item]
        else:
            img = cell_phantom((h, w), rng=int(item), max_phase=1.0)
        if self.augment:
            k = int(torch.randint(4, (1,), generator=g))
            img = torch.rot90(img, k, dims=(-2, -1)) if h == w else img
            if bool(torch.randint(2, (1,), generator=g)):
                img = torch.flip(img, dims=(-1,))
        return img.float()

    def __getitem__(self, index: int):
        if not -self.n <= index < self.n:
            raise IndexError(f"index: expected -{self.n} <= index < {self.n}, got {index}")
        index = index % self.n
        g = torch.Generator().manual_seed(sample_seed(self.seed, index))
        phase = self._image(g) * self.max_phase
        amp = None
        if self.amplitude is not None:
            lo, hi = self.amplitude
            amp = lo + (hi - lo) * self._image(g)
        field = complex_field(amp, phase, dtype=torch.complex64)
        holo = intensity(self.propagation.A(field))
        if self.photons is not None:
            holo = poisson_noise(holo, self.photons, rng=g)
        if self.sigma is not None:
            holo = gaussian_noise(holo, self.sigma, rng=g)
        target = phase[None] if amp is None else torch.stack([amp, phase])
        return holo[None].float(), target.float()

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All samples stacked: ``(holograms (n, 1, H, W), targets (n, C, H, W))``."""
        items = [self[i] for i in range(self.n)]
        return torch.stack([a for a, _ in items]), torch.stack([b for _, b in items])

    def materialize(self) -> TensorDataset:
        """A ``TensorDataset`` of all samples (simulate once, train many epochs)."""
        return TensorDataset(*self.tensors())


def make_datasets(
    source: str, sizes, *, fractions=(0.8, 0.1, 0.1), split_seed: int = 0, seed: int = 0, **kwargs
) -> tuple:
    """Train/val/test :class:`HologramDataset` on disjoint pools of ``source`` images.

    ``sizes`` gives the number of samples per split; split ``k`` samples with seed ``seed + k``.
    Other keyword arguments go to :class:`HologramDataset`.

    >>> tr, va, te = make_datasets("digits", (8, 2, 2), shape=(16, 16), distance=5e-4,
    ...                            wavelength=532e-9, pixel_size=4e-6)
    >>> len(tr), set(tr.pool) & set(te.pool)
    (8, set())
    """
    if len(sizes) != len(fractions):
        raise ValueError(f"sizes: expected {len(fractions)} sizes, got {tuple(sizes)}")
    names = tuple(f"split{k}" for k in range(len(sizes)))
    splits = make_splits(source, fractions, seed=split_seed, names=names)
    return tuple(
        HologramDataset(source, n=int(n), pool=splits[name], seed=seed + k, **kwargs)
        for k, (name, n) in enumerate(zip(names, sizes))
    )
