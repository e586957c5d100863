"""Training checkpoints: atomic writes and safe (``weights_only``) reads with clear errors."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

__all__ = ["save_checkpoint", "load_checkpoint", "CHECKPOINT_KEYS"]

#: keys every checkpoint written by :func:`prcore.learn.fit.fit` holds
CHECKPOINT_KEYS = ("model", "optimizer", "epoch", "history", "rng")


def save_checkpoint(state: dict, path) -> Path:
    """Write ``state`` to ``path`` atomically (temporary file in the same folder, ``os.replace``).

    A crash while writing leaves the previous checkpoint intact (never a half-written file).

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = save_checkpoint({"epoch": 1}, os.path.join(d, "ckpt.pt"))
    >>> load_checkpoint(p, required=("epoch",))["epoch"]
    1
    """
    if not isinstance(state, dict):
        raise TypeError(f"state: expected a dict, got {type(state).__name__}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_checkpoint(path, *, map_location=None, required=CHECKPOINT_KEYS) -> dict:
    """Read a checkpoint with ``torch.load(..., weights_only=True)``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file cannot be unpickled safely (corrupted, truncated, or not a
        checkpoint) or lacks one of ``required`` keys; the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path}: no such file")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises several types for damaged archives
        raise ValueError(
            f"checkpoint {path}: cannot be read ({type(e).__name__}: {str(e)[:200]}); the file is "
            "corrupted or not a prcore checkpoint. Delete it or call fit(..., resume=False)."
        ) from e
    if not isinstance(state, dict) or any(k not in state for k in required):
        got = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise ValueError(
            f"checkpoint {path}: expected a dict with keys {list(required)}, got {got}"
        )
    return state
