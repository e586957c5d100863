#!/usr/bin/env python
"""U-Net training throughput, and inference time per hologram against an iterative solver.

Usage::

    python benchmarks/learning.py [--size 64] [--width 16] [--depth 3] [--batch 16]
                                  [--steps 10] [--images 16] [--repeats 5] [--device cpu]

1. Training throughput: images per second of ``fit``-style steps (forward,
   MSE loss, backward, Adam) of a ``UNet(1, 1, depth, width)`` on simulated
   in-line holograms of ``size``² pixels.
2. Inference: the same U-Net and 100 iterations of single-plane
   Gerchberg-Saxton (``prcore.learn.solvers.gerchberg_saxton_inline``) on the
   same holograms, one at a time, timed alternately in one process; the median
   ratio over ``--repeats`` samples is reported.

On CPU the clock is the calling thread's CPU time with one torch thread (other
processes on a shared machine disturb it far less than wall time); on CUDA it is
wall time between synchronisations.
"""

from __future__ import annotations

import argparse
import statistics

import torch
from _timing import device_clock

from prcore.data.datasets import HologramDataset
from prcore.learn.losses import mse
from prcore.learn.solvers import gerchberg_saxton_inline
from prcore.measure.propagation import FreeSpacePropagation
from prcore.nets.unet import UNet

WAVELENGTH, PIXEL, DISTANCE = 532e-9, 4e-6, 5e-4


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=64, help="image side (pixels)")
    ap.add_argument("--width", type=int, default=16, help="U-Net channels at the first level")
    ap.add_argument("--depth", type=int, default=3, help="U-Net down-samplings")
    ap.add_argument("--batch", type=int, default=16, help="training batch size")
    ap.add_argument("--steps", type=int, default=10, help="timed training steps per sample")
    ap.add_argument("--images", type=int, default=16, help="holograms timed for inference")
    ap.add_argument("--repeats", type=int, default=5, help="timed samples (median taken)")
    ap.add_argument("--gs-iters", type=int, default=100, help="Gerchberg-Saxton iterations")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    dev, clock = device_clock(args.device)
    cuda = dev.type == "cuda"

    n = args.size
    data = HologramDataset("cells", n=max(args.batch, args.images), shape=(n, n), distance=DISTANCE,
                           wavelength=WAVELENGTH, pixel_size=PIXEL, seed=0)
    holo, phase = (t.to(dev) for t in data.tensors())
    torch.manual_seed(0)
    net = UNet(1, 1, depth=args.depth, width=args.width).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xb, yb = holo[: args.batch], phase[: args.batch]

    def train_steps(k):
        net.train()
        for _ in range(k):
            opt.zero_grad(set_to_none=True)
            loss = mse(net(xb), yb)
            loss.backward()
            opt.step()

    train_steps(2)  # warm-up
    rates = []
    for _ in range(args.repeats):
        t0 = clock()
        train_steps(args.steps)
        rates.append(args.steps * args.batch / (clock() - t0))

    prop = FreeSpacePropagation((n, n), DISTANCE, WAVELENGTH, PIXEL, device=dev)
    imgs = holo[: args.images]

    def infer_net():
        net.eval()
        with torch.no_grad():
            for k in range(len(imgs)):
                net(imgs[k:k + 1])

    def infer_gs():
        for k in range(len(imgs)):
            gerchberg_saxton_inline(imgs[k, 0], prop, n_iter=args.gs_iters, constraint="phase")

    infer_net()
    infer_gs()
    t_net, t_gs = [], []
    for _ in range(args.repeats):
        t0 = clock()
        infer_net()
        t1 = clock()
        infer_gs()
        t2 = clock()
        t_net.append((t1 - t0) / len(imgs))
        t_gs.append((t2 - t1) / len(imgs))
    ratios = [g / u for u, g in zip(t_net, t_gs)]
    n_par = sum(p.numel() for p in net.parameters())
    clock_name = "wall time (CUDA)" if cuda else "thread CPU time, 1 torch thread"
    print(f"device {dev}, {clock_name}; {n}x{n} holograms; UNet depth {args.depth} width "
          f"{args.width} ({n_par / 1e3:.0f}k parameters)")
    print(f"training throughput: {statistics.median(rates):.1f} images/s "
          f"(batch {args.batch}, Adam, MSE; median of {args.repeats} x {args.steps} steps)")
    print(f"inference per hologram: U-Net {statistics.median(t_net) * 1e3:.2f} ms, "
          f"Gerchberg-Saxton ({args.gs_iters} it.) {statistics.median(t_gs) * 1e3:.2f} ms")
    print(f"median ratio GS / U-Net: {statistics.median(ratios):.1f}x "
          f"(min {min(ratios):.1f}, max {max(ratios):.1f})")


if __name__ == "__main__":
    main()
