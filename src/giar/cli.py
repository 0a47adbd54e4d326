"""The ``giar`` command: ``extract`` (JSON out), ``inspect`` (how a document was read), ``review`` (an HTML page to
check reports by eye), ``bench`` (scores)."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from .batch import Failure, Job
from .errors import GiarError
from .limits import Limits, MiB
from .pipeline import trace

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
SCAN_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}  # read from a folder only where giar[ocr] is installed


def expand(paths: Sequence[str]) -> list[str]:
    """Files as given; a folder stands for the reports inside it (gold files and notes left out)."""
    from .read.ocr import available

    out: list[str] = []
    suffixes = TEXT_SUFFIXES | SCAN_SUFFIXES if available() else TEXT_SUFFIXES
    for p in paths:
        path = Path(p)
        if _is_dir(path):
            out.extend(
                str(f)
                for f in sorted(path.rglob("*"))
                if f.is_file() and f.suffix.lower() in suffixes and f.name.upper() not in {"README.MD", "SOURCES.MD"}
            )
        else:
            out.append(p)
    return out


def _is_dir(path: Path) -> bool:
    """``Path.is_dir`` that is False for a path the system cannot even look up (too long, a NUL byte): reading
    it as a file then says why, in one line."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def cmd_extract(args: argparse.Namespace) -> int:
    files = expand(args.files)
    if not files:
        print("giar: no input files", file=sys.stderr)
        return 2
    if args.jobs is None:  # a folder or several files: every core unless -j says otherwise
        args.jobs = (os.cpu_count() or 1) if len(files) > 1 else 1
    llm = None
    budget = None
    if args.llm:
        from .repair import LLMConfig

        llm = LLMConfig.from_env()
        if llm is None:
            print("giar: --llm needs GIAR_LLM_BASE_URL and GIAR_LLM_MODEL (see README)", file=sys.stderr)
            return 2
        if llm.budget_tokens is not None or llm.max_concurrent:
            from .repair.budget import Budget

            budget = Budget.create(llm.budget_tokens, llm.max_concurrent)
            llm = budget.attach(llm)
    corrections = None
    if args.corrections:
        from .corrections import load

        corrections = load(args.corrections)
    if len(files) == 1 and not args.output and args.engine == "local":
        return _extract_one(files[0], llm, corrections, limits_of(args))
    from .output import format_of

    fmt = format_of(args.output, args.format)
    config = {
        "llm": llm is not None,
        "model": llm.model if llm is not None else None,
        "corrections": _digest(args.corrections) if args.corrections else None,
    }
    try:
        if args.engine == "ray":
            from .integrations.ray import extract_to_parquet

            if fmt != "parquet" or not args.output:
                print("giar: --engine ray writes a Parquet dataset: give -o DIR.parquet", file=sys.stderr)
                return 2
            if args.resume:
                print("giar: --resume is for the local engine; --engine ray writes the whole dataset anew", file=sys.stderr)
                return 2
            return extract_to_parquet(files, args.output, config, address=args.ray_address, quiet=args.quiet)
        return _extract_batch(files, args, fmt, config, llm, corrections)
    except GiarError as exc:
        print(f"giar: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"giar: interrupted; every record written is complete: run again with --resume to finish {args.output or ''}", file=sys.stderr)
        return 130
    finally:
        if budget is not None:
            print(f"giar: {budget.summary()}", file=sys.stderr)


def _extract_one(path: str, llm: Any, corrections: Any, limits: Limits) -> int:
    """One document to standard output: its first report as one JSON object (as :func:`giar.extract`)."""
    from .batch import extract_many

    result = next(extract_many([path], llm=llm, limits=limits))
    if isinstance(result, Failure):
        print(f"giar: {result.source}: {result.error}", file=sys.stderr)
        return 1
    if corrections is not None:
        from .corrections import apply

        result, notes = apply(result, corrections)
        for note in notes:
            print(f"giar: {result.source}: correction {note}", file=sys.stderr)
    print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return 0


def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def jobs_of(files: Sequence[str]) -> list[Job]:
    """One job per distinct content, in input order: identical files are one job listing every path."""
    from .batch import content_hash

    by_hash: dict[str, list[str]] = {}
    first: list[tuple[str, Optional[str]]] = []
    for f in files:
        h: Optional[str] = None  # a missing file, a pipe …: extraction reports why it cannot be read
        if Path(f).is_file():
            with contextlib.suppress(OSError):
                h = content_hash(f)
        if h is not None and h in by_hash:
            by_hash[h].append(f)
            continue
        first.append((f, h))
        if h is not None:
            by_hash[h] = [f]
    return [Job(f, tuple(by_hash[h]) if h else (f,), h) for f, h in first]


def _extract_batch(files: list[str], args: argparse.Namespace, fmt: str, config: dict, llm: Any, corrections: Any) -> int:
    """Many documents to one output: identical files folded into one record, those already in the output
    (``--resume``) skipped, the rest read by ``-j`` workers with a per-document deadline; a summary at the end."""
    from .batch import iter_documents
    from .output import Encoder, Progress, locked, open_sink, run_info

    t0 = time.monotonic()
    run = run_info(config)
    with contextlib.ExitStack() as stack:
        if args.output:
            stack.enter_context(locked(args.output))  # before anything else: a second run learns it at once
        jobs = jobs_of(files)
        folded = len(files) - len(jobs)
        sink = open_sink(args.output, fmt, run, args.resume, args.part_reports)
        for note in sink.notes:
            print(f"giar: resume: {note}", file=sys.stderr)
        todo = [j for j in jobs if j.content_hash is None or j.content_hash not in sink.done]
        skipped = len(jobs) - len(todo)
        if args.resume and args.output:
            print(f"giar: resuming: {skipped} already in {args.output}, {len(todo)} to do", file=sys.stderr)
        counts: Counter[str] = Counter()
        progress = Progress(len(todo), quiet=args.quiet or (args.output is None and not args.progress))
        try:
            encoder = Encoder(fmt, run, corrections)
            for _, enc in iter_documents(todo, args.jobs, timeout=args.timeout or None, split=True, post=encoder, llm=llm, limits=limits_of(args)):
                sink.add(enc)
                counts.update(enc.statuses)
                for line in enc.errors + enc.notes:
                    progress.log(f"giar: {line}")
                progress.advance()
            sink.close()
        finally:
            progress.close()
    if not args.quiet:
        print(summary(counts, skipped, folded, time.monotonic() - t0, len(todo)), file=sys.stderr)
    return 1 if counts["failed"] else 0


def summary(counts: Counter[str], skipped: int, folded: int, seconds: float, documents: int) -> str:
    """The end of a run in the words of the review page (giar.status), plus failed, skipped and time."""
    from .status import STATUSES

    parts = [f"{counts[s]} {s}" for s in STATUSES]
    rate = documents / seconds if seconds > 0 else 0.0
    return (
        f"giar: {sum(counts.values())} records from {documents} documents: {', '.join(parts)}; "
        f"{skipped} skipped (already in the output), {folded} identical files folded; "
        f"{seconds:.1f} s ({rate:.1f} documents/s)"
    )


def cmd_inspect(args: argparse.Namespace) -> int:
    """Print the regions, grid rows and placements of one document, for debugging a misread."""
    t = trace(args.file, limits=limits_of(args))
    print(f"format: {t.document.format}  chars: {len(t.document.text)}")
    for r in t.regions:
        print(f"region {r.name:18} [{r.start}:{r.end}] found by {r.how}")
    for name, rows in t.rows.items():
        grid = t.grids.get(name)
        print(f"\n== {name}  layout={grid.layout if grid else None} repairs={grid.repairs if grid else []}")
        for d in rows:
            vals = " | ".join(c.text or "∅" for c in d.value_cells)
            print(f"  {d.label[:40]:40}  {vals}")
    for name, placed in t.placed.items():
        if placed.cuts:
            print(f"\n== {name}: runs of digits cut by the arithmetic")
            for c in placed.cuts:
                print(f"  {c.key:44} {c.how:13} {c.cuts:>3} cut(s)  '{c.run[:40]}' [{c.span[0]}:{c.span[1]}]")
        if placed.status:
            print(f"\n== {name}: row status")
            for key, status in placed.status.items():
                print(f"  {key:48} {status.value}")
    print("\nmatch settings:")
    for key, value in t.settings.as_dict().items():
        print(f"  {key:20} {value}")
    assert t.report is not None
    print("\nfindings:")
    for f in t.report.findings:
        print(f"  [{f.kind}] {f.message}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """One self-contained HTML page to check reports by eye (see giar.review)."""
    from .corrections import load
    from .review import build_page, collect

    corrections = load(args.corrections) if args.corrections else None
    items = collect(args.inputs, gold=args.gold, corrections=corrections, limits=limits_of(args))
    if not items:
        print("giar: no input files", file=sys.stderr)
        return 2
    for item in items:
        if item.error is not None:
            print(f"giar: {item.source}: {item.error}", file=sys.stderr)
    Path(args.output).write_text(build_page(items, title=args.title, corrections=corrections), encoding="utf-8")
    failed = sum(1 for i in items if i.report is None)
    print(f"giar: wrote {args.output} ({len(items)} reports, {failed} failed)", file=sys.stderr)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Checks between the reports of a dataset (giar.crosscheck): carry-over, item counts, documents in force,
    conflicting documents for one body and year."""
    from .crosscheck import check, load, write

    try:
        wide = load(args.dataset)
    except GiarError as exc:
        print(f"giar: {exc}", file=sys.stderr)
        return 2
    flags = check(wide)
    if args.output:
        write(flags, args.output)
    else:
        for f in flags:
            print(f"{f.check:15} {f.organization} {f.other_year}→{f.year} {f.key}: {f.message} ({' | '.join(f.sources)})")
    counts = Counter(f.check for f in flags)
    print(f"giar: {wide.num_rows} records, {len(flags)} flagged: " + ", ".join(f"{counts[c]} {c}" for c in ("carry_over", "previous_count", "in_force", "conflict")), file=sys.stderr)
    return 1 if flags else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """The JSON Schema of a Report, generated from the pydantic models (the contract's machine form)."""
    from .model import Report

    print(json.dumps(Report.model_json_schema(), ensure_ascii=False, indent=2))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .testing.bench import run_bench

    return run_bench(args)


def add_limit_options(p: argparse.ArgumentParser) -> None:
    """The bounds of :class:`giar.limits.Limits` a command line may set (the rest keep their defaults)."""
    d = Limits()
    g = p.add_argument_group("limits per document (0: no limit)")
    g.add_argument("--max-seconds", type=float, default=d.max_seconds, help=f"wall time, LLM repair included (default {d.max_seconds:g})")
    g.add_argument("--max-mb", type=float, default=(d.max_bytes or 0) / MiB, help=f"input size in MiB (default {(d.max_bytes or 0) // MiB})")
    g.add_argument("--max-pages", type=int, default=d.max_pdf_pages, help=f"PDF pages (default {d.max_pdf_pages})")


def limits_of(args: argparse.Namespace) -> Limits:
    mb = getattr(args, "max_mb", None)
    return Limits(
        max_seconds=getattr(args, "max_seconds", None) or None,
        max_bytes=int(mb * MiB) if mb else None,
        max_pdf_pages=getattr(args, "max_pages", None) or None,
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command line. A document giar cannot read is one line on standard error (its name and why), never a
    traceback; ``GIAR_DEBUG=1`` shows the traceback of an internal error."""
    import logging

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its warnings on damaged PDFs are not the user's business
    try:
        return _main(argv)
    except GiarError as exc:
        print(f"giar: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("GIAR_DEBUG"):
            raise
        return 1
    except Exception as exc:
        print(f"giar: internal error ({type(exc).__name__}: {str(exc)[:200]}); GIAR_DEBUG=1 shows the traceback", file=sys.stderr)
        if os.environ.get("GIAR_DEBUG"):
            raise
        return 1


def _main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="giar", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("extract", help="extract reports to JSON (one object for one file, JSON Lines for several)")
    p.add_argument("files", nargs="+", help="report files or folders (text, markdown, HTML, PDF, DOCX)")
    p.add_argument("-o", "--output", help="write to this file (JSON Lines, .csv) or dataset directory (.parquet) instead of standard output")
    p.add_argument("--format", choices=("jsonl", "parquet", "csv"), help="output format (default: from -o's extension; JSON Lines otherwise)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="documents read in parallel processes (default: every core for several documents)")
    p.add_argument("--resume", action="store_true", help="with -o: skip documents already in the output (same content, same giar version and configuration), add the rest")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds one document may take in a batch before it is stopped and recorded as OverTimeLimit (default 300; 0: no limit)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary (failures are still reported)")
    p.add_argument("--progress", action="store_true", help="show progress also when writing to standard output")
    p.add_argument("--part-reports", type=int, default=500, metavar="N", help="Parquet and CSV: reports per part file written (a run stopped loses at most the part being gathered; default 500)")
    p.add_argument("--engine", choices=("local", "ray"), default="local", help="local processes (default) or Ray Data (pip install giar[ray])")
    p.add_argument("--ray-address", metavar="ADDRESS", help="with --engine ray: a Ray cluster's address (default: start Ray locally)")
    p.add_argument("--llm", action="store_true", help="repair inconsistent tables with the LLM configured by GIAR_LLM_* variables")
    p.add_argument("--corrections", metavar="FILE", help="apply a person's corrections (a file exported by the review page)")
    add_limit_options(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("check", help="check reports against each other: carry-over, item counts, documents in force, conflicts")
    p.add_argument("dataset", help="a dataset written by giar extract -o (.parquet directory, .jsonl or .csv)")
    p.add_argument("-o", "--output", help="write the flags to this file (.jsonl, or .csv) instead of lines on standard output")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("review", help="write one self-contained HTML page to check reports by eye")
    p.add_argument("inputs", nargs="+", help="report files, folders, or JSON Lines datasets written by giar extract")
    p.add_argument("-o", "--output", required=True, help="the HTML file to write")
    p.add_argument("--gold", action="append", default=[], metavar="PATH", help="gold files or folders, repeatable (NAME.gold.json beside a document is found anyway)")
    p.add_argument("--corrections", metavar="FILE", help="apply these corrections first, and carry them into the page's export")
    p.add_argument("--title", default="giar review", help="the page's title")
    add_limit_options(p)
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("inspect", help="show how one document was read: regions, rows, findings")
    p.add_argument("file")
    add_limit_options(p)
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("schema", help="print the JSON Schema of the Report")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("bench", help="score the rule, LLM and hybrid paths against hand-labeled fixtures")
    p.add_argument("fixtures", nargs="*", default=["tests/fixtures"], help="fixture folders or gold files")
    p.add_argument("--paths", default="rules,llm,hybrid", help="comma-separated: rules, llm, hybrid")
    p.add_argument("--live", action="store_true", help="call the configured LLM endpoint instead of cassettes")
    p.add_argument(
        "--llm",
        metavar="MODEL",
        help="answer the LLM paths with a simulated model on a local server: oracle, adversarial (every kind) or "
        "adversarial:KIND; A+B asks two and merges only where they agree (test doubles: the design's ceiling "
        "and safety, not a model's accuracy)",
    )
    p.add_argument("--out", default="benchmarks/results", help="folder for the JSON result and markdown summary")
    p.set_defaults(func=cmd_bench)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
