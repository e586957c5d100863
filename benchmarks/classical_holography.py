#!/usr/bin/env python
"""Classical recovery vs peer codes: LS unwrapping vs scikit-image, off-axis vs qpretrieve.

Usage::

    python benchmarks/classical_holography.py [--size 1024] [--repeats 7]

1. ``prcore.recover.unwrap.unwrap_least_squares`` (DCT Poisson solver) against
   ``skimage.restoration.unwrap_phase`` (reliability-sorting path follower) on a
   smooth phase of about 60 wraps; both are exact there, so the errors should be
   at round-off and the time ratio tells which is faster. Target: faster at
   equal or lower error.
2. ``prcore.recover.holography.off_axis`` against ``qpretrieve.OffAxisHologram``
   (no padding, same disk filter, carrier on an FFT bin so both demodulate the
   same way), from the hologram to the complex field; phase agreement in the
   central region after removing the offset.

Calls are interleaved and the median over ``--repeats`` samples is reported.
The clock is the calling thread's CPU time with one torch thread (scikit-image
and qpretrieve's numpy FFT are single-threaded too), which other processes on a
shared machine disturb far less than wall time.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import warnings

import numpy as np
import torch


def _median_times(fns, repeats):
    times = [[] for _ in fns]
    outs = [None] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.thread_time()
            outs[i] = fn()
            times[i].append(time.thread_time() - t0)
    return [statistics.median(t) for t in times], outs


def _max_err(out, ref):
    d = np.asarray(out, dtype=np.float64) - np.asarray(ref, dtype=np.float64)
    return float(np.abs(d - np.median(d)).max())


def bench_unwrap(n, repeats):
    from skimage.restoration import unwrap_phase

    from prcore.data.phantoms import gaussian_bumps
    from prcore.recover.unwrap import unwrap_least_squares, wrap_phase

    phi = gaussian_bumps((n, n), 8, rng=1, dtype=torch.float64)
    phi = phi / phi.max() * 60 * 2 * math.pi * n / 1024  # ~60 wraps at 1024^2
    psi = wrap_phase(phi)
    psi_np = psi.numpy()
    (t_ls, t_sk), (o_ls, o_sk) = _median_times(
        [lambda: unwrap_least_squares(psi), lambda: unwrap_phase(psi_np)], repeats)
    e_ls, e_sk = _max_err(o_ls, phi), _max_err(o_sk, phi)
    print(f"unwrap {n}x{n} smooth ({float(phi.max() - phi.min()) / (2 * math.pi):.0f} wraps), "
          f"median of {repeats}, 1 thread:")
    print(f"  prcore unwrap_least_squares  {t_ls * 1e3:8.1f} ms   max error {e_ls:.2e} rad")
    print(f"  skimage unwrap_phase         {t_sk * 1e3:8.1f} ms   max error {e_sk:.2e} rad")
    ok = t_ls < t_sk and e_ls <= max(e_sk, 1e-9)
    print(f"  time ratio prcore/skimage = {t_ls / t_sk:.3f}  "
          f"(target < 1 at equal or lower error: {'met' if ok else 'NOT met'})")


def bench_off_axis(n, repeats):
    import qpretrieve

    from prcore.data.phantoms import cell_phantom
    from prcore.measure.holography import off_axis_hologram
    from prcore.recover.holography import off_axis

    phase = cell_phantom((n, n), rng=0, max_phase=2.5, dtype=torch.float64)
    u = torch.polar(1 - 0.2 * phase / phase.max(), phase)
    carrier = (-round(0.2 * n) / n, round(0.22 * n) / n)  # cycles/pixel, on FFT bins
    radius = math.hypot(*carrier) / 3
    holo = off_axis_hologram(u, carrier, pixel_size=1.0)
    holo_np = holo.numpy()

    def ours():
        return off_axis(holo, pixel_size=1.0, carrier=carrier, radius=radius)

    def theirs():
        qp = qpretrieve.OffAxisHologram(holo_np, padding=0)
        return qp.run_pipeline(filter_name="disk", filter_size=radius, sideband_freq=carrier,
                               filter_size_interpretation="frequency")

    (t_ours, t_qp), (o_ours, o_qp) = _median_times([ours, theirs], repeats)
    c = slice(n // 8, -n // 8)
    z = (o_ours.numpy() * np.conj(np.asarray(o_qp).reshape(n, n)))[c, c]
    agree = float(np.abs(np.angle(z * np.exp(-1j * np.angle(z.sum())))).max())
    truth = np.angle(np.exp(1j * (np.angle(o_ours.numpy()) - phase.numpy())))[c, c]
    rmse = float(np.sqrt(np.mean((truth - truth.mean()) ** 2)))
    print(f"off-axis {n}x{n}, carrier {carrier[0]:.4f}, {carrier[1]:.4f} cycles/px, disk radius "
          f"{radius:.4f}, median of {repeats}, 1 thread:")
    print(f"  prcore off_axis              {t_ours * 1e3:8.1f} ms   "
          f"phase RMSE vs truth {rmse:.3e} rad")
    print(f"  qpretrieve (padding=0)       {t_qp * 1e3:8.1f} ms")
    print(f"  time ratio prcore/qpretrieve = {t_ours / t_qp:.3f}; max phase difference "
          f"{agree:.2e} rad (central region, offset removed)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=1024, help="image side (pixels)")
    ap.add_argument("--repeats", type=int, default=7, help="timed samples (median taken)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", message="Interface 'FFTFilter")
    print(f"torch {torch.__version__}, CPU, torch threads = {torch.get_num_threads()}")
    bench_unwrap(args.size, args.repeats)
    bench_off_axis(args.size, args.repeats)


if __name__ == "__main__":
    main()
