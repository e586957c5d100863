r"""Unrolled (physics-in-network) solver: K gradient steps through a forward model, each + a CNN."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_finite, check_real, check_tensor
from ..measure.intensity import IntensityMeasurement
from ..measure.operator import LinearOperator, Operator

__all__ = ["UnrolledSolver", "data_gradient"]


def data_gradient(
    operator: Operator, x: torch.Tensor, y: torch.Tensor, *, create_graph: bool = False
):
    r"""Gradient of the data term :math:`\tfrac12\|A(x)-y\|^2` with respect to ``x``.

    For a :class:`~prcore.measure.operator.LinearOperator` it is
    :math:`A^H(Ax-y)`; for any other operator it comes from autograd (for a
    complex ``x`` this is the steepest-ascent direction, the conjugate Wirtinger
    derivative times 2).

    >>> from prcore.measure.propagation import FreeSpacePropagation
    >>> op = FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6)
    >>> x = torch.ones(8, 8, dtype=torch.complex64)
    >>> float(data_gradient(op, x, op.A(x)).abs().max()) < 1e-5
    True
    """
    if isinstance(operator, LinearOperator):
        return operator.A_adjoint(operator.A(x) - y)
    with torch.enable_grad():
        xg = x if x.requires_grad else x.detach().requires_grad_(True)
        loss = 0.5 * (operator.A(xg) - y).abs().pow(2).sum()
        (g,) = torch.autograd.grad(loss, xg, create_graph=create_graph)
    return g


class _Prox(nn.Module):
    """A small residual CNN acting on the (real, imag) channels of a complex field."""

    def __init__(self, width, n_layers):
        super().__init__()
        layers = [nn.Conv2d(2, width, 3, padding=1), nn.ReLU()]
        for _ in range(n_layers - 2):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU()]
        layers.append(nn.Conv2d(width, 2, 3, padding=1))
        self.net = nn.Sequential(*layers)
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, x):
        lead, (h, w) = x.shape[:-2], x.shape[-2:]
        z = torch.view_as_real(x.reshape(-1, h, w)).permute(0, 3, 1, 2)
        z = z + self.net(z)
        return torch.view_as_complex(z.permute(0, 2, 3, 1).contiguous()).reshape(*lead, h, w)


class UnrolledSolver(nn.Module):
    r"""K unrolled stages of a gradient step on the data term and a learned CNN correction.

    .. math::
        x_{k+1} = D_k\big(x_k - \alpha_k \nabla_x \tfrac12 \|A(x_k) - y\|^2\big),\qquad k=0..K-1,

    where :math:`A` is the forward model (a ``prcore.measure`` operator),
    :math:`\alpha_k = \mathrm{softplus}(a_k)` are learned positive step sizes and
    :math:`D_k` small residual CNNs on the real and imaginary parts (initialised
    to the identity, so an untrained solver is plain gradient descent).

    Parameters
    ----------
    operator : prcore.measure.operator.Operator
        Forward model acting on complex fields ``(..., H, W)``, e.g.
        ``IntensityMeasurement(FreeSpacePropagation(...))``.
    n_stages : int
        Number of unrolled stages K.
    width, n_layers : int
        Channels and convolution layers of each stage's CNN.
    step_size : float
        Initial step size :math:`\alpha_k`.
    share_weights : bool
        Use one CNN for all stages.

    References
    ----------
    1. V. Monga, Y. Li, Y. C. Eldar, "Algorithm unrolling: interpretable, efficient
       deep learning for signal and image processing," IEEE Signal Process. Mag. 38, 18 (2021).
    2. K. Gregor and Y. LeCun, "Learning fast approximations of sparse coding," ICML (2010).

    Examples
    --------
    >>> from prcore.measure.propagation import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> solver = UnrolledSolver(op, n_stages=2, width=4)
    >>> y = op(torch.ones(3, 8, 8, dtype=torch.complex64))
    >>> solver(y).shape, solver(y).dtype
    (torch.Size([3, 8, 8]), torch.complex64)
    """

    def __init__(
        self,
        operator: Operator,
        *,
        n_stages: int = 5,
        width: int = 16,
        n_layers: int = 3,
        step_size: float = 0.5,
        share_weights: bool = False,
    ):
        super().__init__()
        if not isinstance(operator, Operator):
            raise TypeError(
                f"operator: expected a prcore.measure Operator, got {type(operator).__name__}"
            )
        if not isinstance(n_stages, int) or n_stages < 1:
            raise ValueError(f"n_stages: expected a positive int, got {n_stages!r}")
        if not isinstance(n_layers, int) or n_layers < 2:
            raise ValueError(f"n_layers: expected an int >= 2, got {n_layers!r}")
        if not step_size > 0:
            raise ValueError(f"step_size: expected a value > 0, got {step_size!r}")
        self.operator, self.n_stages = operator, n_stages
        n_cnn = 1 if share_weights else n_stages
        self.prox = nn.ModuleList([_Prox(width, n_layers) for _ in range(n_cnn)])
        inv = float(torch.log(torch.expm1(torch.tensor(float(step_size)))))
        self.step_logits = nn.Parameter(torch.full((n_stages,), inv))

    @property
    def step_sizes(self) -> torch.Tensor:
        """The positive step sizes :math:`\\alpha_k`, shape ``(K,)``."""
        return F.softplus(self.step_logits)

    def initial(self, y: torch.Tensor) -> torch.Tensor:
        r"""Default start: back-propagated :math:`\sqrt{y}` (intensity), else :math:`A^H y`."""
        op = self.operator
        if isinstance(op, IntensityMeasurement):
            return op.linear.A_adjoint(torch.sqrt(y.clamp_min(0)).to(_complex_of(y)))
        if isinstance(op, LinearOperator):
            return op.A_adjoint(y if y.is_complex() else y.to(_complex_of(y)))
        raise ValueError("x0: this operator has no default initialisation; pass x0")

    def forward(self, y: torch.Tensor, x0: torch.Tensor | None = None, *, return_all: bool = False):
        """Run the K stages from ``x0`` (default :meth:`initial`); ``return_all`` adds iterates."""
        check_tensor(y, "y")
        check_finite(y, "y")
        if not y.is_complex():
            check_real(y, "y")
        x = self.initial(y) if x0 is None else x0
        iterates = [x]
        for k in range(self.n_stages):
            g = data_gradient(self.operator, x, y, create_graph=torch.is_grad_enabled())
            x = self.prox[k % len(self.prox)](x - self.step_sizes[k].to(x.real.dtype) * g)
            iterates.append(x)
        return (x, iterates) if return_all else x


def _complex_of(y):
    return torch.complex128 if y.dtype in (torch.float64, torch.complex128) else torch.complex64
