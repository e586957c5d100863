import pytest
import torch

from prcore.nets.unet import ResUNet, UNet


@pytest.mark.parametrize("cls", [UNet, ResUNet])
def test_unet_shape_dtype(cls, device):
    net = cls(2, 3, depth=2, width=4).to(device)
    out = net(torch.rand(2, 2, 16, 24, device=device))
    assert out.shape == (2, 3, 16, 24)
    assert out.dtype == torch.float32 and out.device.type == device.type


def test_unet_float64():
    net = UNet(1, 1, depth=1, width=4).double()
    assert net(torch.rand(1, 1, 8, 8, dtype=torch.float64)).dtype == torch.float64


@pytest.mark.parametrize("cls", [UNet, ResUNet])
def test_unet_gradients_reach_all_parameters(cls):
    torch.manual_seed(0)
    net = cls(1, 1, depth=2, width=4)
    net(torch.rand(2, 1, 16, 16)).square().mean().backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_unet_depth_changes_receptive_field():
    # a deeper U-Net sees farther: a pixel perturbation reaches a farther output pixel
    torch.manual_seed(0)
    x = torch.zeros(1, 1, 32, 32, requires_grad=True)
    for depth, expect_far in ((1, False), (3, True)):
        net = UNet(1, 1, depth=depth, width=4, norm=False)
        net(x)[0, 0, 0, 0].backward()
        far = bool(x.grad[0, 0, 20:, 20:].abs().sum() > 0)
        assert far == expect_far
        x.grad = None


def test_unet_rejects_bad_input():
    net = UNet(1, 1, depth=2, width=4)
    with pytest.raises(ValueError, match="divisible by 4"):
        net(torch.rand(1, 1, 10, 16))
    with pytest.raises(ValueError, match=r"\(B, 1, H, W\)"):
        net(torch.rand(1, 2, 16, 16))
    with pytest.raises(ValueError, match=r"\(B, 1, H, W\)"):
        net(torch.rand(16, 16))
    with pytest.raises(TypeError, match="real floating"):
        net(torch.ones(1, 1, 16, 16, dtype=torch.complex64))
    with pytest.raises(ValueError, match="depth"):
        UNet(1, 1, depth=0)
