#!/usr/bin/env python
"""Cost of one GS / ER / HIO / RAAR iteration as a multiple of a bare torch FFT pair.

Usage::

    python benchmarks/iterative.py [--size 512] [--iters 20] [--repeats 15] [--device cpu]

An iteration needs one forward and one inverse FFT; everything else is
element-wise work, so the ratio to ``ifft2(fft2(x))`` (unitary, same size and
dtype) measures the overhead of the projections. The FFT pair and each
algorithm are timed alternately in one process, ``--iters`` iterations per
sample, and the median ratio over ``--repeats`` samples is reported (absolute
times drift on a shared machine, ratios much less). On CPU the clock is the
calling thread's CPU time with one torch thread, which other processes on the
machine disturb far less than wall time; on CUDA it is wall time between
synchronisations. Target: GS and HIO at most 1.5x an FFT pair. The
"P_M alone" row (FFT pair plus modulus replacement, buffers reused) is the
floor any of the algorithms can reach.
"""

from __future__ import annotations

import argparse
import statistics

import torch
from _timing import device_clock

from prcore.measure.diffraction import box_support, diffraction_magnitude
from prcore.recover.iterative import _FourierProjector, er, gs, hio, raar, random_start

TARGET = 1.5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=512, help="detector grid side (pixels)")
    ap.add_argument("--iters", type=int, default=50, help="iterations per timed sample")
    ap.add_argument("--repeats", type=int, default=15, help="timed samples (median taken)")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    dev, clock = device_clock(args.device)
    cuda = dev.type == "cuda"

    n = args.size
    g = torch.Generator().manual_seed(0)
    obj = torch.rand(n // 2, n // 2, generator=g).to(dev)
    m = diffraction_magnitude(obj.to(torch.complex64), oversampling=2.0)
    support = box_support((n, n), (n // 2, n // 2), device=dev)
    amp = obj.new_ones(n, n)
    x0 = random_start(m, rng=1)
    gx0 = torch.polar(amp, torch.angle(x0))
    k = args.iters

    def fft_pairs():
        y = x0
        for _ in range(k):
            y = torch.fft.ifft2(torch.fft.fft2(y, norm="ortho"), norm="ortho")
        return y

    project = _FourierProjector(m, m.shape)

    def projections():  # the floor: FFT pair + modulus replacement, nothing else
        y = x0.clone()
        for _ in range(k):
            y = project(y)  # P_M reads its input before overwriting its output buffer
        return y

    runs = {
        "P_M alone (floor)": projections,
        "GS": lambda: gs(m, amp, gx0, n_iter=k),
        "ER": lambda: er(m, support, x0, n_iter=k),
        "HIO": lambda: hio(m, support, x0, n_iter=k),
        "RAAR": lambda: raar(m, support, x0, n_iter=k),
        "HIO (non-negative)": lambda: hio(m, support, x0, n_iter=k, nonnegative=True),
    }
    for f in [fft_pairs, *runs.values()]:  # warm up (allocator, FFT plans)
        f()
    ratios = {name: [] for name in runs}
    fft_ms = []
    for _ in range(args.repeats):
        for name, f in runs.items():
            t0 = clock()
            fft_pairs()
            t1 = clock()
            f()
            t2 = clock()
            ratios[name].append((t2 - t1) / (t1 - t0))
            fft_ms.append((t1 - t0) / k * 1e3)

    where = f"{dev.type}, {'wall' if cuda else 'thread CPU'} time"
    print(f"grid {n}x{n} complex64, support {n // 2}x{n // 2}, {k} iterations per sample, "
          f"{args.repeats} samples ({where}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s))")
    print(f"FFT pair: median {statistics.median(fft_ms):.3f} ms")
    worst = 0.0
    for name, rs in ratios.items():
        r = statistics.median(rs)
        gated = name in ("GS", "HIO")
        if gated:
            worst = max(worst, r)
        note = f"{'PASS' if r <= TARGET else 'FAIL'} (target <= {TARGET}x)" if gated else "(info)"
        print(f"{name:>20s}: {r:5.2f}x an FFT pair per iteration  {note}")
    verdict = "PASS" if worst <= TARGET else "FAIL"
    print(f"{verdict}: GS/HIO cost per iteration {worst:.2f}x an FFT pair (target <= {TARGET}x)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
