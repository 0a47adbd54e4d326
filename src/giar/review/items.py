"""What the review page is built from: one :class:`Item` per report, with the reader's text its spans point into.

Documents are read here (``giar.trace`` gives the report and the text together); a JSON Lines dataset gives the
reports, and each report's ``source`` is read again for its text if it is still there and unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..batch import Failure
from ..cli import expand
from ..corrections import Corrections, apply
from ..limits import DEFAULT, Limits
from ..model import Report, TextRun
from ..output import record_of
from ..pipeline import trace
from ..read import read
from ..score import DocScore, compare, load_gold

GOLD_SUFFIX = ".gold.json"


@dataclass
class Item:
    """One report of the page: the report (or why there is none), its text, and its score against gold."""

    source: str
    report: Optional[Report] = None
    error: Optional[str] = None  # the document could not be read (status "failed")
    text: Optional[str] = None  # the reader's text: provenance spans point into it
    runs: list[TextRun] = field(default_factory=list)  # PDF: where stretches of the text sit on the pages
    text_note: Optional[str] = None  # why the text is not shown, or shown without marks
    gold: Optional[DocScore] = None
    gold_path: Optional[str] = None
    notes: list[str] = field(default_factory=list)  # corrections not applied


def from_document(path: str, limits: Limits = DEFAULT) -> Item:
    try:
        t = trace(path, limits=limits)
    except Exception as exc:
        return Item(source=path, error=f"{type(exc).__name__}: {exc}")
    assert t.report is not None
    return Item(source=path, report=t.report, text=t.document.text, runs=list(t.document.runs))


def from_dataset(path: Path) -> list[Item]:
    """Reports of a JSON Lines file (``giar extract -o``), each with its source's text where it is still there."""
    out: list[Item] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Item(source=str(path), error=f"not a JSON Lines dataset giar wrote: {exc}")]
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = record_of(line)
        except ValueError as exc:
            out.append(Item(source=f"{path}:{n}", error=f"not a report: {str(exc)[:300]}"))
            continue
        if isinstance(record, Failure):  # a document the batch could not read: its error record
            out.append(Item(source=record.source, error=record.error))
            continue
        out.append(_with_source_text(Item(source=record.source, report=record)))
    return out


def _with_source_text(item: Item) -> Item:
    src = Path(item.source)
    if not src.is_file():
        item.text_note = f"The source document ({item.source}) is not available here: values cannot be shown in it."
        return item
    try:
        doc = read(src)
    except Exception as exc:
        item.text_note = f"The source document could not be read again ({type(exc).__name__}: {exc})."
        return item
    if item.report is not None and item.report.content_hash and doc.sha256 != item.report.content_hash:
        item.text = doc.text
        item.text_note = "The document at this path changed since it was extracted: its text is shown without marks."
        return item
    item.text, item.runs = doc.text, list(doc.runs)
    return item


def gold_index(paths: Sequence[str]) -> dict[str, Path]:
    """Gold files given on the command line (files or folders), by the stem of the document they label."""
    out: dict[str, Path] = {}
    for p in map(Path, paths):
        files = sorted(p.rglob("*" + GOLD_SUFFIX)) if p.is_dir() else [p]
        for f in files:
            out.setdefault(f.name[: -len(GOLD_SUFFIX)], f)
    return out


def _gold_for(source: str, given: dict[str, Path]) -> Optional[Path]:
    src = Path(source)
    beside = src.with_name(src.stem + GOLD_SUFFIX)
    if beside.is_file():
        return beside
    return given.get(src.stem)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def collect(
    inputs: Sequence[str],
    gold: Sequence[str] = (),
    corrections: Optional[Corrections] = None,
    limits: Limits = DEFAULT,
) -> list[Item]:
    """Items for documents, folders and ``.jsonl`` datasets, in the order given; gold beside each document
    (``NAME.gold.json``) or among ``gold`` is scored; ``corrections`` are applied as ``giar extract`` would."""
    items: list[Item] = []
    for p in inputs:
        if p.endswith(".jsonl") and _is_file(Path(p)):
            items.extend(from_dataset(Path(p)))
        else:
            items.extend(from_document(f, limits) for f in expand([p]))
    given = gold_index(gold)
    for item in items:
        if item.report is None:
            continue
        if corrections is not None:
            item.report, item.notes = apply(item.report, corrections)
        g = _gold_for(item.source, given)
        if g is not None:
            item.gold = compare(item.report, load_gold(g), name=item.source)
            item.gold_path = str(g)
    return items
