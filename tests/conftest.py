"""Shared fixtures: the ``device`` fixture runs a test on CPU and, when available, CUDA."""

import pytest
import torch

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request):
    """Each device this machine has (CUDA tests run only where a GPU is present)."""
    return torch.device(request.param)
