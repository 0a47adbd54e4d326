"""giar's PDF reader in ms per page, beside the pypdfium2 floor, on the same files in one run.

    python benchmarks/pdf_speed.py [--repeat 5] [--work DIR] [--no-old]

Groups of PDFs (every page of every file counts):

- corpus: tests/fixtures/corpus/*.pdf, real reports (WPS exports, ruled tables);
- chromium: the hard fixtures printed by headless Chromium (tests/formats.py: HTML → PDF, A4), the way a browser
  "prints to PDF" a report published as a web page; every cell border is a filled rectangle;
- chromium-a5: the same on A5 with table rows allowed to break across pages;
- libreoffice: the hard fixtures written as DOCX (tests/formats.py) and converted by LibreOffice
  (``soffice --headless --convert-to pdf``), the way an office suite exports a report.

Columns, in ms per page of CPU time: each file's best of ``--repeat`` runs, summed over the group (the columns take
turns on each file, so that load from other processes falls on all of them alike):

- floor: pypdfium2 alone, every character with its box (``get_text_range`` and ``get_charbox`` for each
  character): what any pypdfium2 reader pays before it does anything with the characters;
- floor+paths: the floor plus every path object's bounds (``get_objects`` + ``get_bounds``);
- read: ``giar.read.pdf.read_pdf`` (characters, ruling edges, table cells, lines, furniture, text and runs);
- extract: ``giar.extract`` end to end (read, sections, grid, match, validate, infer);
- old read: the pdfplumber reader as of commit OLD_COMMIT, loaded from git (skipped without pdfplumber or git);
- ×floor: read / floor.

Chromium and LibreOffice are needed to print the generated groups (a group whose tool is missing is skipped and
says so); printed files are kept in --work (default: $TMPDIR/giar-pdf-bench) and reused.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import pypdfium2 as pdfium  # noqa: E402

import formats  # noqa: E402
from giar import extract  # noqa: E402
from giar.read.pdf import read_pdf  # noqa: E402

OLD_COMMIT = "2c71e9d"  # the last commit whose PDF reader ran on pdfplumber
HARD = ROOT / "tests" / "fixtures" / "hard"
A5 = "@page { size: A5; } tr { break-inside: auto; }"


# --- the files ------------------------------------------------------------------------------------------------


def _golds() -> list[tuple[str, dict]]:
    return [(p.name[: -len(".gold.json")], json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(HARD.glob("*.gold.json"))]


def _chromium(work: Path, css: str, tag: str) -> list[Path]:
    out = []
    for name, gold in _golds():
        pdf = work / f"{tag}_{name}.pdf"
        if not pdf.exists():
            html = work / f"{tag}_{name}.html"
            html.write_text(formats.to_html(gold, extra_css=css), encoding="utf-8")
            formats.to_pdf(html, pdf)
        out.append(pdf)
    return out


def _libreoffice(work: Path) -> list[Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise FileNotFoundError("LibreOffice not installed (apt-get install -y libreoffice-writer-nogui)")
    out = []
    for name, gold in _golds():
        pdf = work / f"libreoffice_{name}.pdf"
        if not pdf.exists():
            docx = formats.to_docx(gold, work / f"libreoffice_{name}.docx")
            with tempfile.TemporaryDirectory(prefix="giar-soffice-") as profile:
                subprocess.run([soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                                "--convert-to", "pdf", "--outdir", str(work), str(docx)],
                               check=True, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
        out.append(pdf)
    return out


def groups(work: Path) -> dict[str, list[Path] | str]:
    """Group name → its PDFs, or why the group could not be made."""
    makers: dict[str, Callable[[], list[Path]]] = {
        "corpus": lambda: sorted((ROOT / "tests" / "fixtures" / "corpus").glob("*.pdf")),
        "chromium": lambda: _chromium(work, "", "chromium"),
        "chromium-a5": lambda: _chromium(work, A5, "chromium-a5"),
        "libreoffice": lambda: _libreoffice(work),
    }
    out: dict[str, list[Path] | str] = {}
    for name, make in makers.items():
        try:
            out[name] = make()
        except (FileNotFoundError, RuntimeError, subprocess.SubprocessError) as exc:
            out[name] = f"skipped: {exc}"
    return out


# --- what is timed --------------------------------------------------------------------------------------------


def floor(data: bytes, paths: bool = False) -> None:
    """Every character with its box (and, with ``paths``, every path object's bounds): pypdfium2 alone."""
    pdf = pdfium.PdfDocument(data)
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        textpage.get_text_range()
        for k in range(textpage.count_chars()):
            textpage.get_charbox(k)
        if paths:
            for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_PATH]):
                obj.get_bounds()
        textpage.close()
        page.close()
    pdf.close()


def old_reader() -> Optional[Callable[[bytes, str], object]]:
    """The pdfplumber reader of OLD_COMMIT, imported beside the new one (it shares _layout and text)."""
    if importlib.util.find_spec("pdfplumber") is None:
        return None
    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{OLD_COMMIT}:src/giar/read/pdf.py"],
                                check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader("giar.read._pdf_pdfplumber", loader=None)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    module.__package__ = "giar.read"
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    exec(compile(source, f"{OLD_COMMIT}:src/giar/read/pdf.py", "exec"), module.__dict__)
    return module.read_pdf


def best(fns: dict[str, Callable[[str, bytes], object]], blobs: list[tuple[str, bytes]],
         repeat: int) -> dict[str, float]:
    """For each of ``fns``, the CPU time of one run over every file of a group: each file's least time over
    ``repeat`` rounds, summed. The functions take turns on each file in each round, so that a burst of load from
    other processes on a shared machine falls on all of them alike (and is then mostly left out by the minimum)."""
    least = {key: [float("inf")] * len(blobs) for key in fns}
    for _ in range(repeat):
        for k, (name, data) in enumerate(blobs):
            for key, fn in fns.items():
                t0 = time.process_time()
                fn(name, data)
                t = time.process_time() - t0
                if t < least[key][k]:
                    least[key][k] = t
    return {key: sum(times) for key, times in least.items()}


TIMED: dict[str, Callable[[str, bytes], object]] = {
    "floor": lambda name, data: floor(data),
    "paths": lambda name, data: floor(data, paths=True),
    "read": lambda name, data: read_pdf(data, name),
    "extract": lambda name, data: extract(data, name=name),
}


# --- where read's time goes (--stages) ------------------------------------------------------------------------

STAGES = [  # (module, function, stage); nested ones are taken out of the stage that calls them
    ("_pdfium", "_chars", "characters"), ("_pdfium", "_dedupe", "duplicates"), ("_pdfium", "_walk", "paths"),
    ("pdf", "_closing_lines", "closing lines"), ("pdf", "find_tables", "table finder"),
    ("pdf", "_table", "chars to cells, cell text"), ("pdf", "_group_lines", "lines"), ("pdf", "_split_cells", "lines"),
    ("pdf", "_pieces", "lines"), ("pdf", "_drop_furniture", "furniture, blocks, text"), ("pdf", "_blocks",
    "furniture, blocks, text"), ("pdf", "assemble", "furniture, blocks, text"),
]


def stages(blobs: list[tuple[str, bytes]], repeat: int) -> dict[str, float]:
    """CPU seconds of one ``read_pdf`` over the group by stage (each stage's best of ``repeat`` runs), the page
    and text page loads and the Document as what is left: wrapped functions add their time to their stage, less
    the time of wrapped functions they call (``_group_lines`` inside ``_table`` counts as cells)."""
    from giar.read import _pdfium as reader_pdfium
    from giar.read import pdf as reader_pdf

    modules = {"_pdfium": reader_pdfium, "pdf": reader_pdf}
    spent: dict[str, float] = {}
    stack: list[float] = []  # time of wrapped callees, per open call

    def wrap(fn: Callable, stage: str) -> Callable:
        def timed(*a, **k):
            stack.append(0.0)
            t0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                t = time.process_time() - t0
                inner = stack.pop()
                spent[stage] = spent.get(stage, 0.0) + t - inner
                if stack:
                    stack[-1] += t
        return timed

    saved = [(modules[m], name, getattr(modules[m], name)) for m, name, _ in STAGES]
    best_: dict[str, float] = {}
    try:
        for (_, name, stage), (mod, _, fn) in zip(STAGES, saved):
            setattr(mod, name, wrap(fn, stage))
        for _ in range(repeat):
            spent.clear()
            t0 = time.process_time()
            for name, data in blobs:
                reader_pdf.read_pdf(data, name)
            spent["total"] = time.process_time() - t0
            for k, v in spent.items():
                best_[k] = min(best_.get(k, float("inf")), v)
    finally:
        for mod, name, fn in saved:
            setattr(mod, name, fn)
    best_["pages, text pages, document (rest)"] = best_["total"] - sum(v for k, v in best_.items() if k != "total")
    return best_


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "giar-pdf-bench")
    ap.add_argument("--no-old", action="store_true", help="do not time the pdfplumber reader")
    ap.add_argument("--stages", action="store_true", help="also print read's time by stage, per group")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    args.work.mkdir(parents=True, exist_ok=True)
    old = None if args.no_old else old_reader()
    print(f"pypdfium2 {pdfium.version.PYPDFIUM_INFO} (PDFium {pdfium.version.PDFIUM_INFO.build}), "
          f"Python {sys.version.split()[0]}, best of {args.repeat}, one core; ms per page")
    head = f"{'group':12} {'files':>5} {'pages':>5} {'floor':>7} {'+paths':>7} {'read':>7} {'extract':>8} {'×floor':>7}"
    print(head + (f" {'old read':>9} {'old/new':>8} {'same text':>10}" if old else ""))
    totals: dict[str, float] = {}
    profiles: dict[str, tuple[dict[str, float], float]] = {}
    all_pages = 0
    for name, files in groups(args.work).items():
        if isinstance(files, str):
            print(f"{name:12} {files}")
            continue
        blobs = [(f.name, f.read_bytes()) for f in files]
        pages = sum(len(pdfium.PdfDocument(b)) for _, b in blobs)
        for n, b in blobs:  # warm-up: imports, regexes, font caches
            read_pdf(b, n)
            extract(b, name=n)
        t = best(TIMED, blobs, args.repeat)
        row = (f"{name:12} {len(files):5d} {pages:5d} {1000 * t['floor'] / pages:7.2f} "
               f"{1000 * t['paths'] / pages:7.2f} {1000 * t['read'] / pages:7.2f} {1000 * t['extract'] / pages:8.2f} "
               f"{t['read'] / t['floor']:7.2f}")
        if old is not None:
            t["old"] = best({"old": lambda name, data: old(data, name)}, blobs, max(1, args.repeat // 2))["old"]  # type: ignore[misc]
            same = sum(old(b, n).text == read_pdf(b, n).text for n, b in blobs)  # type: ignore[attr-defined]
            row += f" {1000 * t['old'] / pages:9.2f} {t['old'] / t['read']:8.1f} {same:>5d}/{len(blobs):<4d}"
        print(row)
        for k, v in t.items():
            totals[k] = totals.get(k, 0.0) + v
        all_pages += pages
        if args.stages:
            profiles[name] = ({k: 1000 * v / pages for k, v in stages(blobs, args.repeat).items()}, 1000 * t["floor"] / pages)
    if all_pages:
        row = (f"{'all':12} {'':5} {all_pages:5d} {1000 * totals['floor'] / all_pages:7.2f} "
               f"{1000 * totals['paths'] / all_pages:7.2f} {1000 * totals['read'] / all_pages:7.2f} "
               f"{1000 * totals['extract'] / all_pages:8.2f} {totals['read'] / totals['floor']:7.2f}")
        if "old" in totals:
            row += f" {1000 * totals['old'] / all_pages:9.2f} {totals['old'] / totals['read']:8.1f}"
        print(row)
    if profiles:
        print(f"\nread by stage, ms per page (each stage's best of {args.repeat}; wrapping costs a little)")
        names = list(profiles)
        print(f"{'stage':34}" + "".join(f" {n:>12}" for n in names))
        order = list(dict.fromkeys(stage for _, _, stage in STAGES))
        order += ["pages, text pages, document (rest)", "total"]
        for stage in order:
            print(f"{stage:34}" + "".join(f" {profiles[n][0].get(stage, 0.0):12.2f}" for n in names))
        print(f"{'floor (same run)':34}" + "".join(f" {profiles[n][1]:12.2f}" for n in names))


if __name__ == "__main__":
    main()
