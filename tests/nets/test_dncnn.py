import pytest
import torch

from prcore.nets.dncnn import DnCNN


def test_dncnn_shape_dtype(device):
    net = DnCNN(1, depth=4, width=8).to(device)
    out = net(torch.rand(2, 1, 13, 17, device=device))
    assert out.shape == (2, 1, 13, 17) and out.dtype == torch.float32


def test_dncnn_residual_form():
    # with the last layer zeroed the residual network is the identity
    net = DnCNN(1, depth=3, width=8)
    torch.nn.init.zeros_(net.body[-1].weight)
    torch.nn.init.zeros_(net.body[-1].bias)
    y = torch.rand(1, 1, 8, 8)
    assert torch.equal(net(y), y)


def test_dncnn_gradients_reach_all_parameters():
    net = DnCNN(2, depth=3, width=4)
    net(torch.rand(2, 2, 8, 8)).square().mean().backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_dncnn_rejects_bad_input():
    with pytest.raises(ValueError, match="depth"):
        DnCNN(1, depth=1)
    with pytest.raises(ValueError, match=r"\(B, 1, H, W\)"):
        DnCNN(1, depth=2, width=4)(torch.rand(1, 3, 8, 8))
