#!/usr/bin/env python
"""Execute the book's chapters with papermill, gather reproduced claims, render with jupyter-book.

Usage (the Makefile calls these):

    python tools/book.py execute [--profile quick|full] [--only PATTERN ...] [-j JOBS]
                                 [-p NAME=VALUE ...] [--force]
    python tools/book.py render
    python tools/book.py nbval          # re-execute the fast chapters and compare marked outputs

Chapters are the MyST notebooks (``jupytext`` front matter, ``format_name: myst``)
listed in ``_toc.yml``; other pages are copied as they are. Executed notebooks
go to ``_build/executed/`` (mirroring the sources), claims to ``_build/claims/``
and ``_build/claims.json``; the site to ``_build/executed/_build/html``.
A chapter is re-executed only when its source, its parameters or prcore changed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
EXEC = BUILD / "executed"
CLAIMS = BUILD / "claims"
RESULTS_PAGE = "book/reference/results"
# a cell running longer than this fails the chapter (e.g. a widget waiting for a front end)
CELL_TIMEOUT_S = int(os.environ.get("BOOK_CELL_TIMEOUT", "1200"))


def toc_files() -> list[str]:
    """Every ``file:`` entry of _toc.yml (root first), in reading order."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    out = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                out.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in toc.items() if k != "root"})
    return out


def is_notebook(path: Path) -> bool:
    head = path.read_text().split("\n---", 1)[0]
    return path.read_text().startswith("---") and "format_name: myst" in head


_MD_LINK = re.compile(r"\]\((?!https?:)([^)\s#]+)\.md(#[^)\s]*)?\)")


def rewrite_links(text: str, src_dir: Path) -> str:
    """Point relative links ``[..](x.md)`` at ``x.ipynb`` when ``x.md`` is a chapter notebook.

    Chapters link to each other by their source names; in the executed tree a
    notebook chapter exists only as ``.ipynb``.
    """

    def repl(m):
        target = (src_dir / (m.group(1) + ".md")).resolve()
        if target.exists() and is_notebook(target):
            return f"]({m.group(1)}.ipynb{m.group(2) or ''})"
        return m.group(0)

    return _MD_LINK.sub(repl, text)


def chapter_id(entry: str) -> str:
    return entry[len("book/") :] if entry.startswith("book/") else entry


def claims_file(entry: str) -> Path:
    return CLAIMS / (chapter_id(entry).replace("/", "__") + ".json")


def prcore_hash() -> str:
    h = hashlib.sha256()
    # the package and this tool (its post-processing shapes the executed notebooks)
    for p in [*sorted((ROOT / "prcore").rglob("*.py")), Path(__file__).resolve()]:
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def claims_hash() -> str:
    h = hashlib.sha256()
    for p in sorted(CLAIMS.glob("*.json")) if CLAIMS.is_dir() else []:
        h.update(p.read_bytes())
    return h.hexdigest()


def cache_key(entry: str, src: Path, params: dict, code_hash: str) -> str:
    h = hashlib.sha256()
    h.update(src.read_bytes())
    h.update(json.dumps(params, sort_keys=True).encode())
    h.update(code_hash.encode())
    if entry == RESULTS_PAGE:
        h.update(claims_hash().encode())
    return h.hexdigest()


def banner(params: dict) -> str:
    import torch

    import prcore

    device = "CUDA " + torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return (
        ":::{note}\n"
        f"This page was executed with the **{params['PROFILE']}** profile ({shown}) on "
        f"{dt.date.today().isoformat()}, with prcore {prcore.__version__}, "
        f"torch {torch.__version__} "
        f"on {device}. `make book PROFILE=full` re-runs it at paper scale (GPU recommended).\n"
        ":::"
    )


def postprocess(out_path: Path, src_dir: Path, params: dict, key: str, seconds: float) -> None:
    import nbformat

    nb = nbformat.read(out_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = rewrite_links(cell.source, src_dir)
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    # the banner goes right under the page title, inside the title's cell
    title = next(
        (c for c in nb.cells if c.cell_type == "markdown" and c.source.lstrip().startswith("# ")),
        None,
    )
    if title is None:
        note = nbformat.v4.new_markdown_cell(banner(params))
        note.metadata["tags"] = ["profile-banner"]
        nb.cells.insert(0, note)
    else:
        head, _, rest = title.source.lstrip().partition("\n")
        title.source = f"{head}\n\n{banner(params)}\n{rest}"
    nb.metadata["prcore_build"] = {"key": key, "params": params, "seconds": round(seconds, 1)}
    nbformat.write(nb, out_path)


def cached(out_path: Path, key: str, entry: str) -> bool:
    if not out_path.exists():
        return False
    try:
        meta = json.loads(out_path.read_text()).get("metadata", {}).get("prcore_build", {})
    except json.JSONDecodeError:
        return False
    ok = meta.get("key") == key
    if entry != RESULTS_PAGE:
        ok = ok and claims_file(entry).exists()
    return ok


def execute_one(
    entry: str, params: dict, force: bool, code_hash: str, threads: int = 0
) -> tuple[str, float]:
    import jupytext
    import papermill

    src = ROOT / (entry + ".md")
    out_path = EXEC / (entry + ".ipynb")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    key = cache_key(entry, src, params, code_hash)
    if not force and cached(out_path, key, entry):
        return "cached", 0.0
    claims_file(entry).unlink(missing_ok=True)
    env = {
        "PRCORE_CHAPTER": chapter_id(entry),
        "PRCORE_PROFILE": str(params["PROFILE"]),
        "PRCORE_CLAIMS_DIR": str(CLAIMS),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    os.environ.update(env)
    nb = jupytext.read(src)
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(
            nb,
            str(out_path),
            parameters=params,
            cwd=str(src.parent),
            kernel_name="python3",
            progress_bar=False,
            execution_timeout=CELL_TIMEOUT_S,
        )
    except Exception as exc:  # papermill writes the failing notebook; report and go on
        if out_path.exists():
            data = json.loads(out_path.read_text())
            data.setdefault("metadata", {}).pop("prcore_build", None)
            out_path.write_text(json.dumps(data))
        msg = str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else ""
        return f"FAILED: {type(exc).__name__}: {msg}", time.perf_counter() - t0
    seconds = time.perf_counter() - t0
    postprocess(out_path, src.parent, params, key, seconds)
    return "executed", seconds


def _worker(job):
    entry, params, force, code_hash, threads = job
    return entry, *execute_one(entry, params, force, code_hash, threads)


def execute_many(entries, params, force, code_hash, jobs: int):
    """Execute chapters, ``jobs`` at a time (one thread each when parallel); yield results."""
    if jobs <= 1 or len(entries) <= 1:
        for e in entries:
            yield _worker((e, params, force, code_hash, 0))
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    per_job = max(1, (os.cpu_count() or 2) // jobs)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(_worker, (e, params, force, code_hash, per_job)) for e in entries]
        for fut in as_completed(futures):
            yield fut.result()


def copy_static(entries) -> None:
    EXEC.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, EXEC / name)
    for p in (ROOT / "book").rglob("*"):
        if (
            p.is_dir()
            or p.suffix == ".md"
            or "_build" in p.parts
            or ".ipynb_checkpoints" in p.parts
        ):
            continue
        dest = EXEC / p.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, dest)
    for entry in entries:
        src = ROOT / (entry + ".md")
        md, ipynb = EXEC / (entry + ".md"), EXEC / (entry + ".ipynb")
        if is_notebook(src):
            md.unlink(missing_ok=True)  # a page that became a notebook must not appear twice
        else:
            ipynb.unlink(missing_ok=True)
            md.parent.mkdir(parents=True, exist_ok=True)
            md.write_text(rewrite_links(src.read_text(), src.parent))


def parse_params(pairs, profile) -> dict:
    params = {"PROFILE": profile}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"-p/--param: expected NAME=VALUE, got {pair!r}")
        k, v = pair.split("=", 1)
        try:
            params[k] = json.loads(v)
        except json.JSONDecodeError:
            params[k] = v
    return params


def select(entries, only):
    if not only:
        return entries
    chosen = [e for e in entries if any(pat in e for pat in only)]
    if not chosen:
        raise SystemExit(f"--only {only}: matches no chapter in _toc.yml")
    return chosen


def cmd_execute(args) -> int:
    entries = toc_files()
    missing = [e for e in entries if not (ROOT / (e + ".md")).exists()]
    if missing:
        print(f"_toc.yml lists pages that do not exist: {missing}", file=sys.stderr)
        return 1
    copy_static(entries)
    params = parse_params(args.param, args.profile)
    notebooks = [e for e in select(entries, args.only) if is_notebook(ROOT / (e + ".md"))]
    # the results page reads every chapter's claims, so it runs last
    chapters = [e for e in notebooks if e != RESULTS_PAGE]
    code_hash = prcore_hash()
    failures = []
    total = time.perf_counter()
    for entry, status, seconds in execute_many(chapters, params, args.force, code_hash, args.jobs):
        print(f"{status:>10}  {seconds:7.1f} s  {entry}", flush=True)
        if status.startswith("FAILED"):
            failures.append(entry)
    if RESULTS_PAGE in notebooks:  # it reads every chapter's claims, so it runs last
        status, seconds = execute_one(RESULTS_PAGE, params, args.force, code_hash)
        print(f"{status:>10}  {seconds:7.1f} s  {RESULTS_PAGE}", flush=True)
        if status.startswith("FAILED"):
            failures.append(RESULTS_PAGE)
    print(f"executed {len(notebooks)} notebooks in {time.perf_counter() - total:.1f} s", flush=True)
    rc = gather_claims(entries, require_all=not args.only)
    if failures:
        print(
            f"chapters failed: {failures} (see the executed notebooks under {EXEC})",
            file=sys.stderr,
        )
        return 1
    return rc


def gather_claims(entries, require_all: bool) -> int:
    import prcore.claims as pc

    rows = pc.load_claims(CLAIMS) if CLAIMS.is_dir() else []
    (BUILD / "claims.json").write_text(json.dumps(rows, indent=1))
    failed = [r for r in rows if not r["passed"]]
    chapters = [e for e in entries if is_notebook(ROOT / (e + ".md")) and e != RESULTS_PAGE]
    silent = [e for e in chapters if not claims_file(e).exists()] if require_all else []
    print(f"claims: {len(rows)} recorded, {len(failed)} failed -> {BUILD / 'claims.json'}")
    for r in failed:
        print(
            f"  FAILED claim [{r['chapter']}] {r['claim']}: {r['measured']} vs {r['target']}",
            file=sys.stderr,
        )
    if silent:
        print(f"chapters that recorded no claim: {silent}", file=sys.stderr)
    return 1 if failed or silent else 0


def cmd_render(args) -> int:
    if not (EXEC / "_toc.yml").exists():
        print(
            "nothing executed yet: run `make figures` (python tools/book.py execute) first",
            file=sys.stderr,
        )
        return 1
    rc = gather_claims(toc_files(), require_all=True)
    if rc:
        return rc
    # a fresh Sphinx environment each time: a cached one keeps stale bibliography and warnings
    shutil.rmtree(EXEC / "_build", ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(jb),
        "build",
        str(EXEC),
        "--builder",
        "html",
        "--warningiserror",
        "--keep-going",
        "--all",
    ]
    print(" ".join(cmd), flush=True)
    rc = subprocess.call(cmd)
    if rc == 0:
        print(f"book: {EXEC / '_build' / 'html' / 'index.html'}")
    return rc


def cmd_nbval(args) -> int:
    import jupytext

    entries = toc_files()
    fast = [
        e
        for e in entries
        if is_notebook(ROOT / (e + ".md"))
        and jupytext.read(ROOT / (e + ".md")).metadata.get("prcore", {}).get("nbval")
    ]
    if not fast:
        print("no chapter is marked `prcore: {nbval: true}`", file=sys.stderr)
        return 1
    copy_static(entries)
    params = parse_params(None, args.profile)
    failed = False
    for entry, status, seconds in execute_many(fast, params, False, prcore_hash(), args.jobs):
        print(f"{status:>10}  {seconds:7.1f} s  {entry}", flush=True)
        failed |= status.startswith("FAILED")
    if failed:
        return 1
    paths = [str(EXEC / (e + ".ipynb")) for e in fast]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRCORE_")}
    cmd = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env"]
    cmd += ["-p", "no:cacheprovider", "-o", "addopts=", "-q"]
    if args.jobs > 1:
        # one worker per notebook file (its cells share a kernel), one thread per kernel
        cmd += ["-n", str(args.jobs), "--dist", "loadfile"]
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    print(" ".join(cmd + ["<%d notebooks>" % len(paths)]), flush=True)
    return subprocess.call(cmd + paths, env=env, cwd=str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("execute", help="execute chapters with papermill")
    ex.add_argument(
        "--profile", default=os.environ.get("PROFILE", "quick"), choices=["quick", "full"]
    )
    ex.add_argument("--only", nargs="*", help="substrings of toc entries to execute")
    ex.add_argument(
        "-p", "--param", action="append", help="extra parameter NAME=VALUE (JSON value)"
    )
    ex.add_argument("--force", action="store_true", help="ignore the cache")
    ex.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=int(os.environ.get("BOOK_JOBS", "1")),
        help="chapters executed in parallel (each kernel then gets cpu_count/jobs threads)",
    )
    sub.add_parser("render", help="render the executed notebooks with jupyter-book")
    nv = sub.add_parser("nbval", help="re-execute fast chapters and compare marked outputs")
    nv.add_argument("--profile", default="quick", choices=["quick", "full"])
    nv.add_argument("-j", "--jobs", type=int, default=int(os.environ.get("BOOK_JOBS", "2")))
    args = ap.parse_args(argv)
    return {"execute": cmd_execute, "render": cmd_render, "nbval": cmd_nbval}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
