import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from prcore.learn.checkpoint import load_checkpoint, save_checkpoint
from prcore.learn.fit import fit, make_loader


def _data(n=48, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 4, 4, generator=g)
    y = 2 * x - 0.5
    return TensorDataset(x, y)


def _model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Dropout(0.2), nn.Conv2d(4, 1, 3, padding=1)
    )


def _run(epochs, ckpt=None, *, seed=3, model=None, data=None):
    model = model or _model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    loader = make_loader(data or _data(), batch_size=8, seed=seed)
    hist = fit(
        model,
        loader,
        nn.functional.mse_loss,
        opt,
        epochs=epochs,
        checkpoint=ckpt,
        scheduler=sched,
        seed=seed,
        progress=False,
    )
    return model, hist


def test_fit_decreases_loss(device):
    model = _model()
    hist = fit(
        model,
        make_loader(_data(), batch_size=8),
        nn.functional.mse_loss,
        torch.optim.Adam(model.parameters(), lr=2e-2),
        epochs=6,
        device=device,
        val_loader=make_loader(_data(16, seed=1), batch_size=8, shuffle=False),
        progress=False,
    )
    assert hist["train_loss"][-1] < 0.5 * hist["train_loss"][0]
    assert hist["val_loss"][-1] < hist["val_loss"][0]
    assert hist["epoch"] == list(range(1, 7))


def test_fit_is_deterministic_and_leaves_global_rng_alone():
    state = torch.get_rng_state()
    a, _ = _run(2)
    assert torch.equal(torch.get_rng_state(), state)
    b, _ = _run(2)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    c, _ = _run(2, seed=4)
    assert not all(torch.equal(pa, pc) for pa, pc in zip(a.parameters(), c.parameters()))


def test_fit_resume_reproduces_uninterrupted_run(tmp_path):
    full, hist_full = _run(3, tmp_path / "full.pt")
    _run(1, tmp_path / "part.pt")  # "interrupted" after epoch 1
    resumed, hist_res = _run(3, tmp_path / "part.pt", model=_model(seed=99))  # init is overwritten
    for pa, pb in zip(full.parameters(), resumed.parameters()):
        assert torch.equal(pa, pb)
    assert hist_res["train_loss"] == hist_full["train_loss"]
    assert hist_res["lr"] == hist_full["lr"]
    state = load_checkpoint(tmp_path / "part.pt")
    assert state["epoch"] == 3 and set(state["rng"]) == {"torch", "loader"}
    # a finished run resumes to nothing
    _, again = _run(3, tmp_path / "part.pt")
    assert again["epoch"] == [1, 2, 3]


def test_fit_nan_batch_raises_and_keeps_last_checkpoint(tmp_path):
    ckpt = tmp_path / "run.pt"
    model, _ = _run(1, ckpt)
    saved = {k: v.clone() for k, v in load_checkpoint(ckpt)["model"].items()}
    bad = _data()
    bad.tensors[0][5, 0, 1, 1] = float("nan")
    with pytest.raises(ValueError, match=r"NaN/Inf.*last good checkpoint"):
        _run(2, ckpt, data=bad)
    state = load_checkpoint(ckpt)
    assert state["epoch"] == 1
    for k, v in saved.items():
        assert torch.equal(state["model"][k], v)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_fit_diverging_loss_raises():
    model = _model()
    with pytest.raises(FloatingPointError, match="loss is nan"):
        fit(
            model,
            make_loader(_data(), batch_size=8),
            lambda p, t: (p - t).mean() * float("nan"),
            torch.optim.SGD(model.parameters(), lr=0.1),
            epochs=1,
            progress=False,
        )


def test_fit_corrupted_checkpoint_names_the_file(tmp_path):
    ckpt = tmp_path / "broken.pt"
    ckpt.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="broken.pt.*corrupted"):
        _run(2, ckpt)
    _run(1, ckpt.with_name("good.pt"))
    blob = ckpt.with_name("good.pt").read_bytes()
    ckpt.write_bytes(blob[: len(blob) // 2])  # truncated
    with pytest.raises(ValueError, match="broken.pt"):
        _run(2, ckpt)
    save_checkpoint({"weights": torch.zeros(1)}, ckpt)  # readable, but not a fit checkpoint
    with pytest.raises(ValueError, match="expected a dict with keys"):
        _run(2, ckpt)


@pytest.mark.filterwarnings("ignore:Using a target size")
def test_fit_rejects_bad_arguments():
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = make_loader(_data(), batch_size=8)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, loader, nn.functional.mse_loss, opt, epochs=0)
    with pytest.raises(TypeError, match="optimizer"):
        fit(model, loader, nn.functional.mse_loss, "adam", epochs=1)
    with pytest.raises(ValueError, match=r"\(inputs, targets\)"):
        fit(
            model,
            make_loader(TensorDataset(torch.rand(8, 1, 4, 4)), batch_size=4),
            nn.functional.mse_loss,
            opt,
            epochs=1,
            progress=False,
        )
    with pytest.raises(RuntimeError):  # wrong target shape reaches the loss
        fit(
            model,
            make_loader(TensorDataset(torch.rand(8, 1, 4, 4), torch.rand(8, 3)), batch_size=4),
            nn.functional.mse_loss,
            opt,
            epochs=1,
            progress=False,
        )


_DDP_SCRIPT = textwrap.dedent("""
    import json, os, sys
    import torch, torch.distributed as dist
    from torch import nn
    from torch.utils.data import TensorDataset
    from prcore.learn.fit import fit, make_loader

    dist.init_process_group("gloo")
    rank = dist.get_rank()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 1, 3, padding=1))
    g = torch.Generator().manual_seed(0)
    x = torch.rand(32, 1, 4, 4, generator=g)
    data = TensorDataset(x, 2 * x)
    loader = make_loader(data, batch_size=4, seed=1)
    hist = fit(model, loader, nn.functional.mse_loss, torch.optim.SGD(model.parameters(), lr=0.1),
               epochs=2, seed=1, progress=False, checkpoint=sys.argv[1])
    flat = torch.cat([p.detach().flatten() for p in model.parameters()])
    gathered = [torch.zeros_like(flat) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, flat)
    out = {"rank": rank, "world": dist.get_world_size(), "loss": hist["train_loss"],
           "max_diff": float(max((g - flat).abs().max() for g in gathered)),
           "out_shape": list(model(x[:2]).shape)}
    with open(sys.argv[2] + f".{rank}.json", "w") as f:
        json.dump(out, f)
    dist.destroy_process_group()
""")


def test_fit_ddp_two_cpu_processes_synchronise_weights(tmp_path):
    script = tmp_path / "ddp.py"
    script.write_text(_DDP_SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        str(script),
        str(tmp_path / "ckpt.pt"),
        str(tmp_path / "out"),
    ]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    outs = [json.loads((tmp_path / f"out.{r}.json").read_text()) for r in (0, 1)]
    for o in outs:
        assert o["world"] == 2 and o["max_diff"] == 0.0
        assert o["out_shape"] == [2, 1, 4, 4]
    # both ranks report the same (all-reduced) loss, and it decreased
    assert outs[0]["loss"] == outs[1]["loss"] and outs[0]["loss"][1] < outs[0]["loss"][0]
    assert load_checkpoint(tmp_path / "ckpt.pt")["epoch"] == 2


def test_fit_plateau_scheduler_and_amp_request_on_cpu():
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    val = make_loader(_data(8, seed=2), batch_size=8, shuffle=False)
    with pytest.warns(UserWarning, match="only on CUDA"):
        hist = fit(model, make_loader(_data(), batch_size=8), nn.functional.mse_loss, opt, epochs=2,
                   val_loader=val, scheduler=sched, amp=True, progress=False)
    assert len(hist["val_loss"]) == 2 and all(v is not None for v in hist["val_loss"])
