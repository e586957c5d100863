"""Evaluate a trained model on a loader: image metrics and inference time per image."""

from __future__ import annotations

import time

import torch
from torch import nn

from .. import metrics as _metrics

__all__ = ["evaluate", "predict", "affine_calibration", "DEFAULT_METRICS"]

#: metrics used when none are given: per-image functions ``f(pred, target) -> (...)``
DEFAULT_METRICS = {"rmse": _metrics.rmse, "npcc": _metrics.npcc}


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def predict(model: nn.Module, loader, *, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``model`` (eval mode, no grad) over ``loader``; return ``(predictions, targets)`` on CPU.

    >>> data = torch.utils.data.TensorDataset(torch.ones(4, 1, 2, 2), torch.zeros(4, 1, 2, 2))
    >>> p, t = predict(torch.nn.Identity(), torch.utils.data.DataLoader(data, batch_size=3))
    >>> p.shape, t.shape
    (torch.Size([4, 1, 2, 2]), torch.Size([4, 1, 2, 2]))
    """
    device = torch.device(device)
    model.to(device).eval()
    preds, targets = [], []
    with torch.no_grad():
        for x, y in loader:
            preds.append(model(x.to(device)).cpu())
            targets.append(y)
    return torch.cat(preds), torch.cat(targets)


def affine_calibration(pred: torch.Tensor, target: torch.Tensor) -> tuple[float, float]:
    r"""Least-squares ``(scale, offset)`` with :math:`y \approx s\,\hat y + c` over all pixels.

    A network trained with a scale-blind loss (NPCC) predicts the phase up to an
    affine map; fit it once on training data before measuring absolute errors.

    >>> x = torch.rand(3, 1, 4, 4, dtype=torch.float64)
    >>> s, c = affine_calibration(x, 2 * x - 1)
    >>> round(s, 6), round(c, 6)
    (2.0, -1.0)
    """
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target: expected equal shapes, got {tuple(pred.shape)} and "
            f"{tuple(target.shape)}"
        )
    p, t = pred.detach().flatten().double(), target.detach().flatten().double()
    pc, tc = p - p.mean(), t - t.mean()
    s = float((pc * tc).sum() / (pc * pc).sum().clamp_min(1e-300))
    return s, float(t.mean() - s * p.mean())


def evaluate(
    model: nn.Module,
    loader,
    *,
    metrics: dict | None = None,
    device="cpu",
    transform=None,
    warmup: int = 1,
) -> dict:
    r"""Mean of each metric over the images of ``loader``, and the model's inference time per image.

    .. math:: \bar m = \frac1N \sum_{i=1}^N m(f_\omega(x_i), y_i)

    Parameters
    ----------
    model : nn.Module
    loader : iterable of ``(inputs, targets)``
    metrics : dict of str to callable, optional
        ``name -> f(pred, target)`` returning a value per image (e.g. from
        :mod:`prcore.metrics`) or a scalar; default :data:`DEFAULT_METRICS`.
    device : str or torch.device
    transform : callable, optional
        Applied to each prediction before the metrics (e.g. an affine calibration).
    warmup : int
        Batches run once before timing (first calls are slow).

    Returns
    -------
    dict
        ``{name: mean value, ..., "time_per_image": seconds, "n_images": N}``.

    Examples
    --------
    >>> data = torch.utils.data.TensorDataset(torch.zeros(4, 1, 8, 8), torch.ones(4, 1, 8, 8))
    >>> out = evaluate(torch.nn.Identity(), torch.utils.data.DataLoader(data, batch_size=2))
    >>> out["rmse"], out["n_images"]
    (1.0, 4)
    """
    device = torch.device(device)
    metrics = DEFAULT_METRICS if metrics is None else metrics
    if not isinstance(metrics, dict) or not all(callable(f) for f in metrics.values()):
        raise TypeError("metrics: expected a dict of name -> callable(pred, target)")
    model.to(device).eval()
    sums = {k: 0.0 for k in metrics}
    n, elapsed = 0, 0.0
    with torch.no_grad():
        for i, (x, _) in enumerate(loader):
            if i >= warmup:
                break
            model(x.to(device))
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            _sync(device)
            t0 = time.perf_counter()
            pred = model(x)
            _sync(device)
            elapsed += time.perf_counter() - t0
            if transform is not None:
                pred = transform(pred)
            b = x.shape[0]
            for k, f in metrics.items():
                v = f(pred, y)
                v = v.reshape(b, -1).mean(dim=1).sum() if v.ndim else v * b
                sums[k] += float(v)
            n += b
    if n == 0:
        raise ValueError("loader: expected at least one batch, got none")
    out = {k: s / n for k, s in sums.items()}
    out["time_per_image"] = elapsed / n
    out["n_images"] = n
    return out
