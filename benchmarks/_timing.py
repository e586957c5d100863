"""Shared timing set-up for the benchmarks (run as scripts: ``python benchmarks/<name>.py``)."""

import time

import torch


def device_clock(name: str):
    """``(device, clock)``: on CPU one torch thread and the calling thread's CPU time (robust on a
    shared machine); on CUDA wall time after a synchronisation."""
    dev = torch.device(name)
    if dev.type != "cuda":
        torch.set_num_threads(1)
        return dev, time.thread_time

    def clock():
        torch.cuda.synchronize(dev)
        return time.perf_counter()

    return dev, clock
