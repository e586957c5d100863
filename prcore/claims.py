"""Reproduced claims: each chapter states the review's claim, measures it, and asserts it.

:func:`claim` compares a measured number with a target, prints one rounded
line (which the notebook tests compare between runs), records the result and
raises ``AssertionError`` when the claim fails, so a broken method fails the
chapter. When the book build sets ``PRCORE_CLAIMS_DIR`` (and
``PRCORE_CHAPTER``/``PRCORE_PROFILE``), every record is also written to
``<dir>/<chapter>.json`` for the results page.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Claim", "ClaimTable", "claim", "recorded", "summary", "load_claims", "fmt"]

_RECORDED: list["Claim"] = []


@dataclass(frozen=True)
class Claim:
    """One reproduced claim."""

    chapter: str
    claim: str
    measured: float
    target: str
    passed: bool
    unit: str = ""
    source: str = ""
    profile: str = ""

    def _ipython_display_(self):
        """Show nothing as a cell's last value: :func:`claim` already printed the result line."""


def fmt(x: float, digits: int = 3) -> str:
    """Round to ``digits`` significant figures for display (stable across runs).

    >>> fmt(0.0123456), fmt(12345.6), fmt(float("nan"))
    ('0.0123', '1.23e+04', 'nan')
    """
    if x is None or not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.{digits}g}"
    return f"{x:.{digits - 1}e}"


def _slug(chapter: str) -> str:
    return chapter.replace("/", "__").replace(" ", "_")


def _write(record: Claim, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{_slug(record.chapter)}.json"
    items = json.loads(path.read_text()) if path.exists() else []
    items = [c for c in items if c["claim"] != record.claim] + [asdict(record)]
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(items, f, indent=1)
    os.replace(tmp, path)


def claim(text: str, measured, *, less_than=None, greater_than=None, close_to=None, tol=None,
          unit: str = "", source: str = "", chapter: str | None = None) -> Claim:
    """Check and record one claim; raise ``AssertionError`` if it fails.

    Give exactly one of ``less_than``, ``greater_than`` or ``close_to`` (with an
    absolute ``tol``).

    Parameters
    ----------
    text : str
        The claim in words, e.g. "phase swap: the hybrid resembles the phase donor".
    measured : float
        The number measured in the chapter.
    unit : str
        Unit shown with the numbers.
    source : str
        Where the claim comes from (review section, figure or reference).

    Examples
    --------
    >>> c = claim("error is small", 0.01, less_than=0.05, unit="rad", chapter="doctest")
    PASS  error is small: measured 0.01 rad (target < 0.05 rad)
    >>> c.passed
    True
    """
    given = [v is not None for v in (less_than, greater_than, close_to)]
    if sum(given) != 1:
        raise ValueError("claim: give exactly one of less_than, greater_than, close_to")
    m = float(measured)
    u = f" {unit}" if unit else ""
    if less_than is not None:
        passed, target = m < less_than, f"< {fmt(less_than)}{u}"
    elif greater_than is not None:
        passed, target = m > greater_than, f"> {fmt(greater_than)}{u}"
    else:
        if tol is None:
            raise ValueError("claim: close_to needs an absolute tolerance tol")
        passed, target = abs(m - close_to) <= tol, f"{fmt(close_to)} ± {fmt(tol)}{u}"
    passed = bool(passed) and math.isfinite(m)
    record = Claim(
        chapter=chapter or os.environ.get("PRCORE_CHAPTER", "interactive"),
        claim=text, measured=m, target=target, passed=passed, unit=unit, source=source,
        profile=os.environ.get("PRCORE_PROFILE", ""),
    )
    _RECORDED[:] = [c for c in _RECORDED if not (c.claim == text and c.chapter == record.chapter)]
    _RECORDED.append(record)
    out_dir = os.environ.get("PRCORE_CLAIMS_DIR")
    if out_dir and chapter is None:
        _write(record, Path(out_dir))
    print(f"{'PASS' if passed else 'FAIL'}  {text}: measured {fmt(m)}{u} (target {target})")
    if not passed:
        raise AssertionError(f"claim not reproduced: {text}: measured {fmt(m)}{u}, target {target}")
    return record


def recorded() -> list[Claim]:
    """Claims recorded in this process, in order."""
    return list(_RECORDED)


def _get(c, key):
    return c.get(key) if isinstance(c, dict) else getattr(c, key)


def _table(rows) -> str:
    lines = ["| chapter | claim | measured | target | passed |", "|---|---|---|---|---|"]
    for c in rows:
        unit = _get(c, "unit") or ""
        lines.append(
            f"| {_get(c, 'chapter')} | {_get(c, 'claim')} | {fmt(_get(c, 'measured'))} {unit} | "
            f"{_get(c, 'target')} | {'PASS' if _get(c, 'passed') else 'FAIL'} |"
        )
    return "\n".join(lines)


def _html_table(rows) -> str:
    from html import escape

    head = "".join(f"<th>{h}</th>" for h in ("chapter", "claim", "measured", "target", "passed"))
    body = []
    for c in rows:
        unit = _get(c, "unit") or ""
        ok = _get(c, "passed")
        cells = [
            escape(str(_get(c, "chapter"))),
            escape(str(_get(c, "claim"))),
            escape(f"{fmt(_get(c, 'measured'))} {unit}".strip()),
            escape(str(_get(c, "target"))),
            f'<b style="color:{"#1a7f37" if ok else "#cf222e"}">{"PASS" if ok else "FAIL"}</b>',
        ]
        body.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    return (
        '<table class="table prcore-claims"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


class ClaimTable:
    """A table of claims that renders as HTML in a page and as Markdown in Jupyter."""

    def __init__(self, rows):
        self.rows = list(rows)

    def _repr_html_(self):
        return _html_table(self.rows)

    def _repr_markdown_(self):
        return _table(self.rows)

    def __repr__(self):
        return _table(self.rows)


def summary(rows=None) -> ClaimTable:
    """A table of claims (default: those recorded in this process), shown as HTML or Markdown.

    >>> print(summary([{"chapter": "c", "claim": "x", "measured": 1.0, "target": "< 2",
    ...                 "passed": True, "unit": ""}]))
    | chapter | claim | measured | target | passed |
    |---|---|---|---|---|
    | c | x | 1  | < 2 | PASS |
    """
    return ClaimTable(rows if rows is not None else _RECORDED)


def load_claims(directory) -> list[dict]:
    """All claim records under ``directory`` (one JSON file per chapter), sorted by chapter."""
    d = Path(directory)
    if not d.is_dir():
        raise FileNotFoundError(f"claims directory {d} does not exist; run `make figures` first")
    out = []
    for p in sorted(d.glob("*.json")):
        out.extend(json.loads(p.read_text()))
    return out
