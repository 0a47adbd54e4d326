"""The pipeline, stage by stage: read → locate → grid → match → validate → infer → (repair) → report.

:func:`run` is a list of named stage calls over one typed value-with-provenance map (:class:`Cells`); each
stage reads the typed status the one before it left (never a message), so rewording a finding cannot change a
value. :func:`trace` returns every intermediate object so a user can see how their document was read.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from .errors import InternalError, short, typed
from .gate import gate, ocr_runs
from .grid import DataRow, build, data_rows
from .infer import infer
from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import Deadline, Limits
from .match import DEFAULT, MATCHERS, RUN_MATCHERS, MatchContext, MatchSettings, Placed, glued
from .meta import check_report, read_meta
from .model import (
    Document,
    Finding,
    Grid,
    Number,
    ProvDict,
    Region,
    RepairOutcome,
    Report,
    Sections,
    TableReport,
    Usage,
)
from .read import Source, read
from .read.ocr import DEFAULT_OCR, OcrSettings
from .sections import body, locate, report_end, report_starts
from .status import FindingKind, RowStatus
from .template import TABLES, TEMPLATES, Rule, TemplateName
from .validate import broken

if TYPE_CHECKING:
    from .repair import LLMConfig, RepairCache


@dataclass
class Trace:
    """Every intermediate object of one run (the pdfplumber habit: let users debug their own documents)."""

    document: Document
    regions: list[Region] = field(default_factory=list)
    grids: dict[str, Grid] = field(default_factory=dict)
    rows: dict[str, list[DataRow]] = field(default_factory=dict)
    placed: dict[str, Placed] = field(default_factory=dict)
    repairs: dict[str, RepairOutcome] = field(default_factory=dict)  # what the LLM answered, per table
    settings: MatchSettings = DEFAULT
    report: Optional[Report] = None


@dataclass
class Cells:
    """The one value-with-provenance map the stages after matching share: every template cell's value, its
    provenance, and the typed status of its row (or of the cell alone)."""

    values: dict[str, Optional[Number]] = field(default_factory=dict)
    prov: dict[str, ProvDict] = field(default_factory=dict)
    status: dict[str, RowStatus] = field(default_factory=dict)
    sums: dict[str, Number] = field(default_factory=dict)  # printed sums of several template rows
    sum_rules: list[Rule] = field(default_factory=list)  # ... and the equations they give

    def status_of(self, key: str) -> Optional[RowStatus]:
        """A cell's own status, else its row's."""
        return self.status.get(key) or self.status.get(key.rsplit(".", 1)[0])

    def frozen(self) -> frozenset[str]:
        """Cells the arithmetic must not fill: their row's (or their own) placement is in doubt."""
        doubt = [key for key, s in self.status.items() if s.frozen]
        if not doubt:
            return frozenset()
        return frozenset(k for k in self.values if k in doubt or k.rsplit(".", 1)[0] in doubt)

    def null_rows(self, rows: list[str], status: RowStatus) -> None:
        for row in rows:
            self.status[row] = status
            for k in [k for k in self.values if k.startswith(row + ".")]:
                self.values[k] = None
                self.prov.pop(k, None)


# --- the stages --------------------------------------------------------------------------------------------


def parse_tables(
    doc: Document,
    regions: list[Region],
    template: TemplateName,
    trace: Trace,
    settings: MatchSettings = DEFAULT,
    year: Optional[int] = None,
) -> dict[str, Placed]:
    """grid + match: each table region's rows, placed on the template by the table's matcher (``year``: the
    report's, to tell this year's table from another year's printed beside it)."""
    tmpl = TEMPLATES[template]
    by_name = {r.name: r for r in regions}
    placed: dict[str, Placed] = {}
    structured = doc.format in ("html", "docx")  # cells exactly as the document's own table holds them
    spans = {name: (r.start, r.end) for name, r in by_name.items()}
    ctx = MatchContext(
        template=template,
        structured=structured,
        settings=settings,
        earlier=placed,
        text=doc.text,
        regions=spans,
        year=year,
    )
    for name, matcher in MATCHERS.items():
        region = by_name.get(name)
        rows: list[DataRow] = []
        if region is not None:
            grid = build(doc.text, region)
            if not structured and glued(doc.text, region.start, region.end, name):
                grid.layout = "runs"  # cells run together: cut by the arithmetic, not split by whitespace
                matcher = RUN_MATCHERS[name]
            trace.grids[name] = grid
            rows = data_rows(grid, structured)
        trace.rows[name] = rows
        placed[name] = matcher(rows, tmpl.tables[name], ctx)
        if region is None and not placed[name].matched_rows:
            placed[name].findings.insert(
                0, Finding(kind=FindingKind.MISSING, message=f"{name}: table not found", key=name)
            )
    trace.placed = placed
    return placed


def collect(placed: dict[str, Placed]) -> tuple[Cells, list[Finding]]:
    cells = Cells()
    findings: list[Finding] = []
    for p in placed.values():
        cells.values.update(p.values)
        cells.prov.update(p.provenance)
        cells.status.update(p.status)
        cells.sums.update(p.sums)
        cells.sum_rules.extend(p.sum_rules)
        findings.extend(p.findings)
    return cells, findings


def check(cells: Cells, template: TemplateName) -> tuple[list[Finding], list[Finding]]:
    """validate: the arithmetic, after un-placing rows whose place only holds while 三 adds up.

    Returns (findings about un-placed rows, the broken equations)."""
    arithmetic = broken(cells.values, template)
    if not any(f.table == "requests" for f in arithmetic):
        return [], arithmetic
    unplaced = unplace_uncertain(cells)
    return unplaced, broken(cells.values, template)


def unplace_uncertain(cells: Cells) -> list[Finding]:
    """Rows placed by position alone, or text rows read with a blank cell (a blank 总计, or a lost cell that
    shifted the rest?), are trusted only while table 三 adds up. If it does not, they are left null rather
    than risk a wrong number."""
    rows = sorted(
        {
            k.rsplit(".", 1)[0]
            for k in cells.prov
            if k.startswith("requests.") and (s := cells.status.get(k.rsplit(".", 1)[0])) is not None and s.uncertain
        }
    )
    cells.null_rows(rows, RowStatus.AMBIGUOUS)
    ordinal = TEMPLATES["2021"].tables["requests"].ordinal
    return [
        Finding(
            kind=FindingKind.AMBIGUOUS,
            key=row,
            message=f"{row}: read without a label of its own or with a blank cell, and table {ordinal} does not add "
            "up, so its place is uncertain; left null",
        )
        for row in rows
    ]


def fill(cells: Cells, template: TemplateName) -> list[Finding]:
    """infer: the blanks the arithmetic fixes (never a frozen cell)."""
    filled, findings = infer(cells.values, template, set(TABLES), cells.sum_rules, cells.sums, cells.frozen())
    for k, v in filled.items():
        cells.values[k] = v
        cells.prov[k] = {"method": "inferred", "text": str(v)}
        cells.status.setdefault(k, RowStatus.INFERRED)
    return findings


def narrate(doc: Document, regions: list[Region], cells: Cells, template: TemplateName) -> list[Finding]:
    """What the narrative states against what the tables print: findings only, never a cell set or changed."""
    from .narrative import disagreements

    tables = [(r.start, r.end) for r in regions if r.name in TABLES]
    return disagreements(doc.text, tables, cells.values, template)


def locate_values(cells: Cells, doc: Document) -> None:
    """Reader marks (struck text skipped, …) and PDF page and box for every value with a span, repaired ones
    included."""
    if doc.marks:
        for p in cells.prov.values():
            if p.get("span"):
                a, b = p["span"]
                names = [m.repair for m in doc.marks if m.start < b and a < m.end]
                if names:
                    p["repairs"] = list(dict.fromkeys([*p.get("repairs", []), *names]))
    if doc.runs:
        starts = [r.start for r in doc.runs]
        for p in cells.prov.values():
            if p.get("span"):
                i = bisect_right(starts, p["span"][0]) - 1
                if i >= 0 and doc.runs[i].start <= p["span"][0] < doc.runs[i].end:
                    run = doc.runs[i]
                    p["page"], p["bbox"] = run.page, run.bbox
                    if run.confidence is not None:  # read by OCR
                        p["reader"], p["confidence"] = "ocr", run.confidence


def table_reports(
    template: TemplateName, trace: Trace, cells: Cells, arithmetic: list[Finding]
) -> list[TableReport]:
    """How each table was read (the camelot habit), and whether it needs the repair stage."""
    out = []
    for name in TABLES:
        spec = TEMPLATES[template].tables[name]
        keys = spec.keys()
        grid = trace.grids.get(name)
        placed = trace.placed[name]
        nulls = sum(1 for k in keys if cells.values.get(k) is None)
        broken_here = sum(1 for f in arithmetic if f.table == name)
        uncertain = any(s.flagged for s in placed.status.values())
        out.append(
            TableReport(
                table=name,
                layout=grid.layout if grid else None,
                rows_expected=len(spec.rows),
                rows_matched=placed.matched_rows,
                cells_filled=len(keys) - nulls,
                cells_null=nulls,
                repairs=(grid.repairs if grid else []) + placed.repairs,
                rules_broken=broken_here,
                needs_repair=bool(broken_here or uncertain or nulls),
            )
        )
    return out


def _nest(values: dict[str, Optional[Number]], table: str, template: TemplateName) -> dict[str, dict[str, Optional[Number]]]:
    return {row: {col: values.get(key) for col, key in cols} for row, cols in _layout(table, template)}


@cache
def _layout(table: str, template: TemplateName) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Per row of the table, its (column, 'table.row.column') pairs in template order (split once, not per report)."""
    rows: dict[str, list[tuple[str, str]]] = {}
    for key in TEMPLATES[template].tables[table].keys():
        _, row, col = key.split(".")
        rows.setdefault(row, []).append((col, key))
    return tuple((row, tuple(cols)) for row, cols in rows.items())


def run(
    doc: Document,
    llm: Optional[LLMConfig] = None,
    force_llm: bool = False,
    cache: Optional[RepairCache] = None,
    settings: MatchSettings = DEFAULT,
    deadline: Optional[Deadline] = None,
    ocr: Optional[OcrSettings] = None,
) -> Trace:
    """All stages on one document. ``llm`` turns on the repair stage; ``force_llm`` sends every table to it
    (for comparing paths), otherwise only tables the rules left inconsistent or incomplete go. A document that is
    no report giar reads raises (:class:`~giar.errors.NotAnAnnualReport`, :class:`~giar.errors.UnsupportedTemplate`);
    ``deadline`` is checked between stages; ``ocr``'s thresholds gate numbers read by OCR (:mod:`giar.gate`)."""
    deadline = deadline or Deadline(None, short(doc.source))
    trace = Trace(document=doc, settings=settings)
    second = report_end(doc.text)
    trace.regions = regions = locate(doc.text[: second.start] if second else doc.text)
    meta, findings = read_meta(doc.text, regions)
    check_report(doc.text[: second.start] if second else doc.text, regions, meta, doc.source)
    deadline.check("locating the sections")
    findings = list(doc.findings) + findings
    if second is not None:
        others = [(s, doc.text[s:].split("\n", 1)[0].strip()[:40]) for s in report_starts(doc.text)]
        named = "; ".join(f"'{title}' at offset {s}" for s, title in others)
        findings.append(
            Finding(
                kind=FindingKind.REPAIRED,
                message=f"this file holds {len(others) + 1} reports; only the first is read here, the others are "
                f"{named} (batch outputs, giar extract -o, give one record each)",
            )
        )
    report = Report(source=doc.source, meta=meta, format=doc.format, content_hash=doc.sha256)
    by_name = {r.name: r for r in regions}
    report.sections = Sections(
        **{k: body(doc.text, by_name[k]) if k in by_name else None for k in ("overview", "problems", "other")}
    )
    template = meta.template
    if template is None:
        report.findings = findings + [Finding(kind=FindingKind.MISSING, message="no statistical tables found")]
        trace.report = report
        return trace

    placed = parse_tables(doc, regions, template, trace, settings, meta.year)
    deadline.check("reading the tables")
    cells, matched = collect(placed)
    findings += matched
    if ocr_runs(doc):  # OCR'd numbers: kept only where the recogniser was sure and the row adds up
        findings += gate(cells, doc, template, ocr or DEFAULT_OCR)
    unplaced, arithmetic = check(cells, template)
    findings += unplaced + arithmetic
    findings += fill(cells, template)
    deadline.check("checking the arithmetic")
    tables = table_reports(template, trace, cells, arithmetic)

    usage = Usage()
    targets = list(TABLES) if force_llm else [t.table for t in tables if t.needs_repair]
    if targets and llm is None and not force_llm:
        findings.append(
            Finding(kind=FindingKind.REPAIR, message=f"would go to the LLM repair (none configured): {', '.join(targets)}")
        )
    elif targets and llm is not None:
        from .repair import stage  # the LLM stack is imported only when an LLM is configured

        left = deadline.left()  # the document's time left bounds every request of the repair
        if left is not None:
            llm = replace(llm, max_elapsed=min(llm.max_elapsed, left), timeout=min(llm.timeout, left))
        usage, findings = stage.repair(doc, trace, template, targets, cells, findings, llm, cache, force_llm)
        deadline.check("the LLM repair")
        arithmetic = broken(cells.values, template)
        findings = [f for f in findings if f.kind is not FindingKind.ARITHMETIC] + arithmetic
        tables = table_reports(template, trace, cells, arithmetic)
    findings += narrate(doc, trace.regions, cells, template)
    locate_values(cells, doc)

    data = report.model_dump()
    data.update({name: _nest(cells.values, name, template) for name in TABLES})
    data["provenance"] = cells.prov
    data["findings"] = findings
    data["tables"] = tables
    data["usage"] = usage
    trace.report = Report.model_validate(data)
    return trace


def extract(
    source: Source,
    *,
    name: Optional[str] = None,
    llm: Optional[LLMConfig] = None,
    force_llm: bool = False,
    cache: Optional[RepairCache] = None,
    settings: MatchSettings = DEFAULT,
    limits: Limits = DEFAULT_LIMITS,
    ocr: Optional[OcrSettings] = None,
) -> Report:
    """One report in (path, text or bytes), one validated :class:`Report` out.

    Rules only unless ``llm`` (a :class:`giar.repair.LLMConfig`, e.g. ``LLMConfig.from_env()``) is given.
    A string with a line break is the report's text; a string of one line is a path.

    Raises a :class:`~giar.errors.GiarError` (one line naming the document and the cause) for what is no
    report: unreadable, unsupported, encrypted, a scan, not an annual report, the pre-2019 template, over a
    bound of ``limits`` (:class:`giar.limits.Limits`: size, pages, DOCX parts, HTML nesting and rows, time).
    Scans are read by OCR with ``ocr`` (:class:`giar.read.ocr.OcrSettings`) where ``giar[ocr]`` is installed."""
    report = trace(
        source, name=name, llm=llm, force_llm=force_llm, cache=cache, settings=settings, limits=limits, ocr=ocr
    ).report
    assert report is not None
    return report


def trace(
    source: Source,
    *,
    name: Optional[str] = None,
    llm: Optional[LLMConfig] = None,
    force_llm: bool = False,
    cache: Optional[RepairCache] = None,
    settings: MatchSettings = DEFAULT,
    limits: Limits = DEFAULT_LIMITS,
    ocr: Optional[OcrSettings] = None,
) -> Trace:
    """Like :func:`extract`, but keep every intermediate object (document, regions, grids, placed rows,
    LLM answers)."""
    label = name or (f"<{type(source).__name__}>" if not isinstance(source, (str, Path)) or "\n" in str(source) else source)
    with typed(label, InternalError, "giar failed on this document, a bug to report"):
        clock = limits.deadline(label)  # one budget for the whole document: reading, stages, LLM repair
        return run(read(source, name, limits, clock, ocr), llm, force_llm, cache, settings, clock, ocr)
    raise AssertionError("unreachable")  # mypy: the context manager does not swallow exceptions
