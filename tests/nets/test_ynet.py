import pytest
import torch

from prcore.nets.ynet import YNet


def test_ynet_shape_dtype(device):
    net = YNet(1, depth=2, width=4).to(device)
    out = net(torch.rand(3, 1, 16, 16, device=device))
    assert out.shape == (3, 2, 16, 16) and out.dtype == torch.float32
    amp, phase = YNet.split(out)
    assert amp.shape == phase.shape == (3, 1, 16, 16)


def test_ynet_heads_are_independent_decoders():
    torch.manual_seed(0)
    net = YNet(1, depth=2, width=4)
    out = net(torch.rand(2, 1, 16, 16))
    # the amplitude loss trains the amplitude decoder and the shared encoder, not the phase decoder
    out[:, 0].square().mean().backward()
    assert all(p.grad is None or p.grad.abs().sum() == 0 for p in net.phase_decoder.parameters())
    assert all(
        p.grad is not None and p.grad.abs().sum() > 0 for p in net.amplitude_decoder.parameters()
    )
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.encoder.parameters())


def test_ynet_gradients_reach_all_parameters():
    net = YNet(1, depth=1, width=4)
    net(torch.rand(2, 1, 8, 8)).square().mean().backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_ynet_split_rejects_bad_shape():
    with pytest.raises(ValueError, match=r"\(B, 2, H, W\)"):
        YNet.split(torch.zeros(1, 3, 4, 4))
