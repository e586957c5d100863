import pytest
import torch

from prcore.nets.decoder import ConvVAE, DeepDecoder, DeepImagePrior, vae_loss


def test_deep_decoder_shape_range_and_seed(device):
    a = DeepDecoder((16, 32), 2, width=8, n_up=3, rng=0).to(device)
    with torch.no_grad():
        out = a()
    assert out.shape == (1, 2, 16, 32) and out.device.type == device.type
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    b = DeepDecoder((16, 32), 2, width=8, n_up=3, rng=0).to(device)
    assert torch.equal(a(), b())
    c = DeepDecoder((16, 32), 2, width=8, n_up=3, rng=1).to(device)
    assert not torch.equal(a(), c())


def test_deep_decoder_fits_an_image():
    torch.manual_seed(0)
    target = torch.zeros(1, 1, 16, 16)
    target[..., 4:12, 4:12] = 1.0
    net = DeepDecoder((16, 16), width=16, n_up=2, rng=0)
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    with torch.no_grad():
        start = float((net() - target).square().mean())
    for _ in range(50):
        opt.zero_grad()
        loss = (net() - target).square().mean()
        loss.backward()
        opt.step()
    assert float(loss.detach()) < 0.1 * start


def test_deep_image_prior_shape_and_gradients():
    net = DeepImagePrior((16, 16), 1, depth=2, width=4, rng=0)
    out = net()
    assert out.shape == (1, 1, 16, 16)
    out.square().mean().backward()
    assert all(p.grad is not None for p in net.parameters())
    assert not any(b.requires_grad for b in net.buffers())


def test_conv_vae_shapes_and_gradients(device):
    vae = ConvVAE((16, 16), latent_dim=4, width=4).to(device)
    x = torch.rand(3, 1, 16, 16, device=device)
    recon, mu, logvar = vae(x, rng=0)
    assert recon.shape == x.shape and mu.shape == logvar.shape == (3, 4)
    vae_loss(recon, x, mu, logvar).backward()
    for name, p in vae.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert vae.decode(torch.zeros(2, 4, device=device)).shape == (2, 1, 16, 16)


def test_vae_loss_known_value():
    # KL of N(mu, 1) to N(0, 1) is mu^2 / 2 per dimension
    mu = torch.full((1, 2), 2.0)
    assert (
        float(vae_loss(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), mu, torch.zeros(1, 2)))
        == 4.0
    )


def test_generators_reject_bad_input():
    with pytest.raises(ValueError, match="divisible"):
        DeepDecoder((10, 16), n_up=2)
    with pytest.raises(ValueError, match="divisible by 4"):
        ConvVAE((10, 16))
    vae = ConvVAE((8, 8), latent_dim=3, width=4)
    with pytest.raises(ValueError, match="expected shape"):
        vae.encode(torch.rand(1, 1, 16, 16))
    with pytest.raises(ValueError, match=r"\(B, 3\)"):
        vae.decode(torch.rand(1, 4))
