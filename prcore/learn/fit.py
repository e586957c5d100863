r"""One small, explicit training loop: ``fit(model, loader, loss_fn, optimizer, *, epochs)``.

Determinism and resume: the shuffling of epoch ``e`` and any randomness inside
the model (dropout) are seeded from ``(seed, e)`` alone, through the loader's
own ``torch.Generator`` (or ``DistributedSampler.set_epoch``) and a forked
global RNG, so a run stopped after epoch ``e`` and resumed from its checkpoint
ends with the same weights as an uninterrupted run. The global RNG state is
left as it was.

Scale-out: when ``torch.distributed`` is initialised (a ``torchrun`` launch),
the model is wrapped in ``DistributedDataParallel`` and the loader uses a
``DistributedSampler``; only rank 0 writes checkpoints.
"""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler

from .checkpoint import load_checkpoint, save_checkpoint

__all__ = ["fit", "make_loader", "epoch_seed", "is_distributed"]


def is_distributed() -> bool:
    """True when ``torch.distributed`` is initialised (e.g. under ``torchrun``)."""
    return dist.is_available() and dist.is_initialized()


def epoch_seed(seed: int, epoch: int) -> int:
    """A 32-bit seed derived from ``(seed, epoch)`` only.

    >>> epoch_seed(0, 3) == epoch_seed(0, 3) != epoch_seed(0, 4)
    True
    """
    return int(np.random.SeedSequence([int(seed), int(epoch)]).generate_state(1)[0])


def make_loader(
    dataset,
    *,
    batch_size: int,
    shuffle: bool = True,
    seed: int = 0,
    num_workers: int = 0,
    drop_last: bool = False,
    **kwargs,
) -> DataLoader:
    """A ``DataLoader`` shuffled by an explicit ``torch.Generator`` seeded by ``seed``.

    Under ``torch.distributed`` it uses a ``DistributedSampler`` (each rank sees
    its own shard). Extra keyword arguments go to ``DataLoader``.

    >>> data = torch.utils.data.TensorDataset(torch.arange(6.0))
    >>> loader = make_loader(data, batch_size=2, seed=1)
    >>> len(loader), loader.generator is not None
    (3, True)
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive int, got {batch_size!r}")
    g = torch.Generator().manual_seed(int(seed))
    if is_distributed():
        sampler = DistributedSampler(dataset, shuffle=shuffle, seed=int(seed), drop_last=drop_last)
        return DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            num_workers=num_workers,
            drop_last=drop_last,
            generator=g,
            **kwargs,
        )
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        num_workers=num_workers,
        drop_last=drop_last,
        generator=g,
        **kwargs,
    )


def _distributed_loader(loader: DataLoader, seed: int) -> DataLoader:
    """The same loader with a ``DistributedSampler`` (unchanged if it already has one)."""
    if isinstance(loader.sampler, DistributedSampler):
        return loader
    shuffle = isinstance(loader.sampler, RandomSampler)
    sampler = DistributedSampler(
        loader.dataset, shuffle=shuffle, seed=int(seed), drop_last=loader.drop_last
    )
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size,
        sampler=sampler,
        num_workers=loader.num_workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
        drop_last=loader.drop_last,
        worker_init_fn=loader.worker_init_fn,
        generator=torch.Generator().manual_seed(int(seed)),
    )


def _seed_loader(loader, seed, epoch):
    sampler = getattr(loader, "sampler", None)
    if isinstance(sampler, DistributedSampler):
        sampler.set_epoch(epoch)
    gen = getattr(loader, "generator", None)
    if gen is not None:
        gen.manual_seed(epoch_seed(seed, epoch))
    elif isinstance(sampler, RandomSampler) and sampler.generator is None:
        warnings.warn(
            "loader: it shuffles without an explicit torch.Generator, so runs and resumes "
            "are not reproducible; build it with prcore.learn.fit.make_loader",
            stacklevel=3,
        )


def _split_batch(batch, device):
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        got = (
            f"{type(batch).__name__} of length {len(batch)}"
            if isinstance(batch, (tuple, list))
            else type(batch).__name__
        )
        raise ValueError(f"loader: expected batches (inputs, targets), got a {got}")
    x, y = batch
    return x.to(device, non_blocking=True), y.to(device, non_blocking=True)


def _check_batch(x, y, i, epoch, checkpoint):
    for name, t in (("inputs", x), ("targets", y)):
        if t.is_floating_point() or t.is_complex():
            bad = ~torch.isfinite(t)
            if bool(bad.any()):
                keep = (
                    f"; the last good checkpoint {checkpoint} is left untouched"
                    if checkpoint is not None
                    else ""
                )
                raise ValueError(
                    f"batch {i} of epoch {epoch + 1}: {name} hold {int(bad.sum())} "
                    f"NaN/Inf values{keep}"
                )


def _check_loss(loss, i, epoch, checkpoint):
    if loss.ndim != 0:
        raise ValueError(f"loss_fn: expected a scalar loss, got shape {tuple(loss.shape)}")
    if not bool(torch.isfinite(loss.detach())):
        keep = (
            f"; the last good checkpoint {checkpoint} is left untouched"
            if checkpoint is not None
            else ""
        )
        raise FloatingPointError(
            f"batch {i} of epoch {epoch + 1}: the loss is {float(loss.detach())} "
            f"(diverged, or a bad target){keep}; lower the learning rate"
        )


def _reduce_mean(total, count, device):
    if is_distributed():
        t = torch.tensor([total, count], dtype=torch.float64, device=device)
        dist.all_reduce(t)
        total, count = float(t[0]), float(t[1])
    return total / max(count, 1)


def _mean_loss(model, loader, loss_fn, device, use_amp):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in loader:
            x, y = _split_batch(batch, device)
            with torch.autocast(device_type=device.type, enabled=use_amp):
                loss = loss_fn(model(x), y)
            total += float(loss) * x.shape[0]
            count += x.shape[0]
    return total / max(count, 1)


def fit(
    model: nn.Module,
    loader,
    loss_fn,
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    device="cpu",
    val_loader=None,
    checkpoint=None,
    resume: bool = True,
    amp: bool = False,
    seed: int = 0,
    scheduler=None,
    progress: bool = True,
    callback=None,
) -> dict:
    r"""Train ``model`` to minimise ``loss_fn(model(x), y)`` over ``loader`` for ``epochs`` epochs.

    .. math:: \omega \leftarrow \omega - \eta\,\nabla_\omega \sum_{i\in B} L(f_\omega(x_i), y_i)/|B|

    (or whatever update ``optimizer`` makes), one step per batch.

    Parameters
    ----------
    model : nn.Module
        Trained in place (moved to ``device``).
    loader : DataLoader
        Yields ``(inputs, targets)``; build it with :func:`make_loader` for reproducible shuffling.
    loss_fn : callable
        ``loss_fn(prediction, targets) -> scalar tensor``.
    optimizer : torch.optim.Optimizer
        Built on ``model.parameters()``.
    epochs : int
        Total number of epochs (a resumed run continues up to it).
    device : str or torch.device
    val_loader : DataLoader, optional
        Evaluated after each epoch (mean loss in ``history["val_loss"]``).
    checkpoint : str or Path, optional
        File written atomically after every epoch with model, optimizer, scheduler,
        AMP scaler, epoch, history and RNG states.
    resume : bool
        Continue from ``checkpoint`` when the file exists.
    amp : bool
        Mixed precision (float16 autocast and gradient scaling); used only on CUDA.
    seed : int
        Seeds shuffling and in-model randomness per epoch.
    scheduler : torch.optim.lr_scheduler, optional
        Stepped once per epoch (with the validation, else training, loss for ``ReduceLROnPlateau``).
    progress : bool
        Show a tqdm bar (rank 0 only).
    callback : callable, optional
        ``callback(epoch, history)`` after every epoch.

    Returns
    -------
    dict
        ``history`` with per-epoch lists ``epoch``, ``train_loss``, ``val_loss`` (None
        without ``val_loader``), ``lr`` and ``time`` (seconds).

    Raises
    ------
    TypeError
        For a model that is not an ``nn.Module`` or an optimizer that is not an ``Optimizer``.
    ValueError
        For a non-positive ``epochs``, malformed batches, NaN/Inf in a batch (the last
        checkpoint stays intact) or an unreadable checkpoint (named in the message).
    FloatingPointError
        When the loss becomes NaN/Inf.

    References
    ----------
    1. A. Zhang, Z. C. Lipton, M. Li, A. J. Smola, *Dive into Deep Learning*, ch. 3 (2023).

    Examples
    --------
    >>> x = torch.linspace(-1, 1, 32).reshape(-1, 1)
    >>> data = torch.utils.data.TensorDataset(x, 3 * x)
    >>> net = torch.nn.Linear(1, 1)
    >>> hist = fit(net, make_loader(data, batch_size=8), torch.nn.functional.mse_loss,
    ...            torch.optim.SGD(net.parameters(), lr=0.3), epochs=5, progress=False)
    >>> hist["train_loss"][-1] < hist["train_loss"][0]
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer: expected a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if not callable(loss_fn):
        raise TypeError(f"loss_fn: expected a callable, got {type(loss_fn).__name__}")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"epochs: expected a positive int, got {epochs!r}")
    device = torch.device(device)
    use_amp = bool(amp) and device.type == "cuda"
    if amp and not use_amp:
        warnings.warn(
            f"amp: mixed precision is used only on CUDA; training in full precision on {device}",
            stacklevel=2,
        )
    model.to(device)
    distributed = is_distributed()
    rank = dist.get_rank() if distributed else 0
    net = model
    if distributed:
        loader = _distributed_loader(loader, seed)
        ids = [device] if device.type == "cuda" else None
        net = nn.parallel.DistributedDataParallel(model, device_ids=ids)
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    history = {"epoch": [], "train_loss": [], "val_loss": [], "lr": [], "time": []}
    start = 0
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if ckpt is not None and resume and ckpt.exists():
        state = load_checkpoint(ckpt, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler") is not None:
            scheduler.load_state_dict(state["scheduler"])
        if use_amp and state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        if state.get("seed", seed) != seed:
            warnings.warn(
                f"checkpoint {ckpt}: written with seed {state['seed']}, resuming with seed "
                f"{seed}; the run will not match an uninterrupted one",
                stacklevel=2,
            )
        history, start = state["history"], int(state["epoch"])
    rng_devices = (
        [device.index if device.index is not None else torch.cuda.current_device()]
        if device.type == "cuda"
        else []
    )
    from tqdm import tqdm

    n_batches = len(loader)
    bar = tqdm(
        total=max(epochs - start, 0) * n_batches,
        desc="fit",
        unit="batch",
        disable=not progress or rank != 0,
        leave=False,
    )
    try:
        for epoch in range(start, epochs):
            t0 = time.perf_counter()
            _seed_loader(loader, seed, epoch)
            net.train()
            total, count = 0.0, 0
            with torch.random.fork_rng(devices=rng_devices):
                torch.manual_seed(epoch_seed(seed + 1, epoch))
                for i, batch in enumerate(loader):
                    x, y = _split_batch(batch, device)
                    _check_batch(x, y, i, epoch, ckpt)
                    optimizer.zero_grad(set_to_none=True)
                    with torch.autocast(device_type=device.type, enabled=use_amp):
                        loss = loss_fn(net(x), y)
                    _check_loss(loss, i, epoch, ckpt)
                    scaler.scale(loss).backward()
                    scaler.step(optimizer)
                    scaler.update()
                    value = float(loss.detach())
                    total += value * x.shape[0]
                    count += x.shape[0]
                    bar.update(1)
                    bar.set_postfix(epoch=epoch + 1, loss=f"{value:.4g}", refresh=False)
            train_loss = _reduce_mean(total, count, device)
            val_loss = (
                _mean_loss(model, val_loader, loss_fn, device, use_amp) if val_loader else None
            )
            if val_loss is not None and not math.isfinite(val_loss):
                raise FloatingPointError(f"epoch {epoch + 1}: the validation loss is {val_loss}")
            if scheduler is not None:
                if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                    scheduler.step(val_loss if val_loss is not None else train_loss)
                else:
                    scheduler.step()
            history["epoch"].append(epoch + 1)
            history["train_loss"].append(train_loss)
            history["val_loss"].append(val_loss)
            history["lr"].append(float(optimizer.param_groups[0]["lr"]))
            history["time"].append(time.perf_counter() - t0)
            if ckpt is not None and rank == 0:
                save_checkpoint(
                    {
                        "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict() if scheduler is not None else None,
                        "scaler": scaler.state_dict() if use_amp else None,
                        "epoch": epoch + 1,
                        "history": history,
                        "seed": int(seed),
                        "rng": {
                            "torch": torch.get_rng_state(),
                            "loader": (
                                loader.generator.get_state()
                                if getattr(loader, "generator", None) is not None
                                else None
                            ),
                        },
                    },
                    ckpt,
                )
            if distributed:
                dist.barrier()
            if callback is not None:
                callback(epoch, history)
    finally:
        bar.close()
    return history
