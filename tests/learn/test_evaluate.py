import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from prcore.learn.evaluate import affine_calibration, evaluate, predict
from prcore.metrics import rmse


def test_evaluate_known_metrics_and_time():
    x = torch.zeros(6, 1, 8, 8)
    y = torch.full((6, 1, 8, 8), 2.0)
    out = evaluate(
        torch.nn.Identity(),
        DataLoader(TensorDataset(x, y), batch_size=4),
        metrics={"rmse": rmse, "mean_abs": lambda p, t: (p - t).abs().mean()},
    )
    assert out["rmse"] == pytest.approx(2.0) and out["mean_abs"] == pytest.approx(2.0)
    assert out["n_images"] == 6 and out["time_per_image"] >= 0


def test_evaluate_transform_applies_calibration():
    g = torch.Generator().manual_seed(0)
    y = torch.rand(5, 1, 8, 8, generator=g)
    loader = DataLoader(TensorDataset(0.5 * y + 3, y), batch_size=5)
    preds, targets = predict(torch.nn.Identity(), loader)
    s, c = affine_calibration(preds, targets)
    out = evaluate(
        torch.nn.Identity(), loader, metrics={"rmse": rmse}, transform=lambda p: s * p + c
    )
    assert out["rmse"] < 1e-5


def test_evaluate_rejects_bad_metrics_and_empty_loader():
    loader = DataLoader(TensorDataset(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2)))
    with pytest.raises(TypeError, match="metrics"):
        evaluate(torch.nn.Identity(), loader, metrics=[rmse])
    with pytest.raises(ValueError, match="at least one batch"):
        evaluate(torch.nn.Identity(), [], metrics={"rmse": rmse})
