"""The ``giar`` command: ``extract`` (JSON out), ``inspect`` (how a document was read), ``review`` (an HTML page to
check reports by eye), ``bench`` (scores)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from .batch import Failure, extract_many
from .errors import GiarError
from .limits import Limits, MiB
from .pipeline import trace

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}


def expand(paths: Sequence[str]) -> list[str]:
    """Files as given; a folder stands for the reports inside it (gold files and notes left out)."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if _is_dir(path):
            out.extend(
                str(f)
                for f in sorted(path.rglob("*"))
                if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES and f.name.upper() not in {"README.MD", "SOURCES.MD"}
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
    failed = 0
    single = len(files) == 1 and not args.output
    done: set[str] = set()
    if args.resume and args.output and Path(args.output).exists():
        done = _done_sources(Path(args.output))
        files = [f for f in files if f not in done]
        print(f"giar: resuming: {len(done)} already in {args.output}, {len(files)} to do", file=sys.stderr)
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
    out = open(args.output, "a" if done else "w", encoding="utf-8") if args.output else sys.stdout
    if done and not Path(args.output).read_bytes().endswith(b"\n"):
        out.write("\n")  # close a line torn by an interrupted run
    try:
        for i, result in enumerate(extract_many(files, jobs=args.jobs, llm=llm, limits=limits_of(args)), 1):
            if isinstance(result, Failure):
                failed += 1
                print(f"giar: {result.source}: {result.error}", file=sys.stderr)
                continue
            if corrections is not None:
                from .corrections import apply

                result, notes = apply(result, corrections)
                for note in notes:
                    print(f"giar: {result.source}: correction {note}", file=sys.stderr)
            data = result.model_dump(mode="json")
            if single:
                out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            else:
                out.write(json.dumps(data, ensure_ascii=False) + "\n")
                out.flush()  # a run stopped half-way keeps every finished report (see --resume)
            if args.progress and not single:
                print(f"[{i}/{len(files)}] {result.source}", file=sys.stderr)
    finally:
        if args.output:
            out.close()
        if budget is not None:
            print(f"giar: {budget.summary()}", file=sys.stderr)
    return 1 if failed else 0


def _done_sources(path: Path) -> set[str]:
    """Sources already written to a JSON Lines output (a torn last line is ignored and redone)."""
    done = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            done.add(json.loads(line)["source"])
        except (ValueError, KeyError, TypeError):
            continue
    return done


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
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.add_argument("--progress", action="store_true", help="print progress to standard error")
    p.add_argument("-j", "--jobs", type=int, default=1, help="documents read in parallel processes (default 1)")
    p.add_argument("--resume", action="store_true", help="with -o: skip reports already in the output file, append the rest")
    p.add_argument("--llm", action="store_true", help="repair inconsistent tables with the LLM configured by GIAR_LLM_* variables")
    p.add_argument("--corrections", metavar="FILE", help="apply a person's corrections (a file exported by the review page)")
    add_limit_options(p)
    p.set_defaults(func=cmd_extract)

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
