"""Shared fixtures: the ``device`` fixture runs a test on CPU and, when available, CUDA."""

import pytest
import torch

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request):
    """Each device this machine has (CUDA tests run only where a GPU is present)."""
    return torch.device(request.param)


# Unit tests work on small tensors, where a second intra-op thread costs more than it gains
# (and on a busy machine oversubscription slows tiny ops by 10-100x). One thread also makes
# floating-point reductions independent of the core count.
torch.set_num_threads(1)
