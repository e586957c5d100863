"""Reproduced claims: pass/fail logic, printed line, JSON records for the results page."""

import json
import math

import pytest

from prcore import claims
from prcore.claims import claim, fmt, load_claims, recorded

KEYS = {"chapter", "claim", "measured", "target", "passed"}


@pytest.fixture
def claims_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PRCORE_CLAIMS_DIR", str(tmp_path))
    monkeypatch.setenv("PRCORE_CHAPTER", "part/chapter")
    monkeypatch.setenv("PRCORE_PROFILE", "quick")
    return tmp_path


@pytest.mark.parametrize(
    "kwargs, measured, passed",
    [
        (dict(less_than=0.05), 0.01, True),
        (dict(less_than=0.05), 0.05, False),
        (dict(greater_than=20.0), 25.0, True),
        (dict(greater_than=20.0), 19.9, False),
        (dict(close_to=1.0, tol=0.1), 1.09, True),
        (dict(close_to=1.0, tol=0.1), 0.85, False),
    ],
)
def test_claim_passes_and_fails(kwargs, measured, passed, capsys):
    if passed:
        c = claim("a claim", measured, chapter="test", **kwargs)
        assert c.passed
    else:
        with pytest.raises(AssertionError, match="claim not reproduced: a claim"):
            claim("a claim", measured, chapter="test", **kwargs)
    line = capsys.readouterr().out.strip()
    assert line.startswith("PASS" if passed else "FAIL")
    assert "a claim: measured" in line


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_claim_nonfinite_measured_fails(bad):
    with pytest.raises(AssertionError):
        claim("nan claim", bad, less_than=1.0, chapter="test")
    with pytest.raises(AssertionError):
        claim("nan claim", bad, greater_than=-1.0, chapter="test")
    assert recorded()[-1].passed is False


def test_claim_writes_json_records(claims_dir):
    claim("error is small", 0.01, less_than=0.05, unit="rad", source="review, Sec. 2")
    with pytest.raises(AssertionError):
        claim("psnr is high", 12.0, greater_than=20.0, unit="dB")
    # a re-run of the same claim replaces its record
    claim("error is small", 0.02, less_than=0.05, unit="rad", source="review, Sec. 2")
    path = claims_dir / "part__chapter.json"
    items = json.loads(path.read_text())
    assert len(items) == 2
    for item in items:
        assert KEYS <= set(item)
        assert item["chapter"] == "part/chapter" and item["profile"] == "quick"
    by_claim = {item["claim"]: item for item in items}
    assert by_claim["error is small"]["measured"] == 0.02
    assert by_claim["error is small"]["passed"] is True
    assert by_claim["error is small"]["target"] == "< 0.05 rad"
    assert by_claim["psnr is high"]["passed"] is False
    assert load_claims(claims_dir) == items
    assert not list(claims_dir.glob("*.tmp"))  # written atomically, no leftovers


def test_claim_with_explicit_chapter_does_not_write(claims_dir):
    claim("doc example", 1.0, close_to=1.0, tol=0.0, chapter="doctest")
    assert not list(claims_dir.iterdir())


def test_claim_rejects_bad_arguments():
    with pytest.raises(ValueError, match="exactly one"):
        claim("x", 1.0, chapter="test")
    with pytest.raises(ValueError, match="exactly one"):
        claim("x", 1.0, less_than=2.0, greater_than=0.0, chapter="test")
    with pytest.raises(ValueError, match="tol"):
        claim("x", 1.0, close_to=1.0, chapter="test")


def test_load_claims_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_claims(tmp_path / "nothing")


def test_fmt_rounds_stably():
    assert fmt(0.0123456) == "0.0123"
    assert fmt(12345.6) == "1.23e+04"
    assert fmt(0.0) == "0"
    assert fmt(math.nan) == "nan"


def test_summary_table_lists_claims():
    claim("table claim", 3.0, greater_than=1.0, unit="dB", chapter="table-test")
    table = claims._table([c for c in recorded() if c.chapter == "table-test"])
    assert "| table-test | table claim | 3 dB | > 1 dB | PASS |" in table
    html = claims.summary([c for c in recorded() if c.chapter == "table-test"])._repr_html_()
    assert "<td>table claim</td>" in html and "PASS" in html and html.startswith("<table")
