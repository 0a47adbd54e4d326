"""The pipeline, stage by stage: read → locate → grid → match → validate → infer → (repair) → report.

Each stage is a pure function of the previous one's output; :func:`trace` returns every intermediate object
so a user can see how their document was read.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

from .grid import DataRow, build, data_rows
from .infer import infer
from .match import Placed, match_active, match_requests, match_review
from .meta import read_meta
from .model import Document, Finding, Grid, Number, Region, RepairOutcome, Report, Sections, TableReport, Usage
from .read import Source, read
from .sections import body, locate, report_end
from .template import TABLES, TEMPLATES, TemplateName
from .validate import broken

if TYPE_CHECKING:
    from .repair import LLMConfig


@dataclass
class Trace:
    """Every intermediate object of one run (the pdfplumber habit: let users debug their own documents)."""

    document: Document
    regions: list[Region] = field(default_factory=list)
    grids: dict[str, Grid] = field(default_factory=dict)
    rows: dict[str, list[DataRow]] = field(default_factory=dict)
    placed: dict[str, Placed] = field(default_factory=dict)
    repairs: dict[str, RepairOutcome] = field(default_factory=dict)  # what the LLM answered, per table
    report: Optional[Report] = None


def parse_tables(doc: Document, regions: list[Region], template: TemplateName, trace: Trace) -> dict[str, Placed]:
    tmpl = TEMPLATES[template]
    by_name = {r.name: r for r in regions}
    placed: dict[str, Placed] = {}
    structured = doc.format in ("html", "docx")  # cells exactly as the document's own table holds them
    for name in TABLES:
        region = by_name.get(name)
        rows: list[DataRow] = []
        if region is not None:
            grid = build(doc.text, region)
            trace.grids[name] = grid
            rows = data_rows(grid, structured)
        trace.rows[name] = rows
        if name == "active_disclosure":
            placed[name] = match_active(rows, tmpl.tables[name], structured, template)
        elif name == "requests":
            placed[name] = match_requests(rows, tmpl.tables[name], structured)
        else:
            review = match_review(rows)
            if review.matched_rows == 0 and "requests" in placed:
                # seed 003: 四's heading lost at a page break, its number row left inside 三's region
                spare = match_review(placed["requests"].spare)
                if spare.matched_rows:
                    spare.repairs.append("review_row_found_in_requests_region")
                    spare.note(
                        "repaired",
                        "review_litigation: heading not found; its 15-number row was found after table 三",
                        "review_litigation",
                    )
                    review = spare
            placed[name] = review
        if region is None and not placed[name].matched_rows:
            placed[name].findings.insert(0, Finding(kind="missing", message=f"{name}: table not found", key=name))
    trace.placed = placed
    return placed


def _nest(values: dict[str, Optional[Number]], table: str, template: TemplateName) -> dict[str, dict[str, Optional[Number]]]:
    out: dict[str, dict[str, Optional[Number]]] = {}
    for key in TEMPLATES[template].tables[table].keys():
        _, row, col = key.split(".")
        out.setdefault(row, {})[col] = values.get(key)
    return out


def run(doc: Document, llm: Optional["LLMConfig"] = None, force_llm: bool = False, cache: Any = None) -> Trace:
    """All stages on one document. ``llm`` turns on the repair stage; ``force_llm`` sends every table to it
    (for comparing paths), otherwise only tables the rules left inconsistent or incomplete go."""
    trace = Trace(document=doc)
    second = report_end(doc.text)
    regions = locate(doc.text[: second.start] if second else doc.text)
    trace.regions = regions
    meta, findings = read_meta(doc.text, regions)
    findings = list(doc.findings) + findings
    if second is not None:
        findings.append(
            Finding(
                kind="repaired",
                message=f"a second report starts at offset {second.start} ('{second.text.strip()[:40]}'); only the "
                "first is read",
            )
        )
    report = Report(source=doc.source, meta=meta, format=doc.format, content_hash=doc.sha256)
    by_name = {r.name: r for r in regions}
    report.sections = Sections(**{k: body(doc.text, by_name[k]) if k in by_name else None for k in ("overview", "problems", "other")})
    template = meta.template
    if template is None:
        report.findings = findings + [Finding(kind="missing", message="no statistical tables found")]
        trace.report = report
        return trace

    placed = parse_tables(doc, regions, template, trace)
    values: dict[str, Optional[Number]] = {}
    prov: dict[str, dict] = {}  # plain dicts, validated once with the Report (thousands of small models are slow)
    for p in placed.values():
        values.update(p.values)
        prov.update(p.provenance)
        findings.extend(p.findings)

    arithmetic = broken(values, template)
    if any((f.key or "").startswith("requests") for f in arithmetic):
        findings.extend(_unplace_uncertain(values, prov))
        arithmetic = broken(values, template)
    findings.extend(arithmetic)
    extra_rules = [r for p in placed.values() for r in p.sum_rules]
    extra_values = {k: v for p in placed.values() for k, v in p.sums.items()}
    frozen = frozenset(_cells_of_flagged_rows(values, findings))
    filled, inferred = infer(values, template, set(TABLES), extra_rules, extra_values, frozen)
    findings.extend(inferred)
    for k, v in filled.items():
        values[k] = v
        prov[k] = {"method": "inferred", "text": str(v)}
    if doc.marks:
        for p in prov.values():
            if p.get("span"):
                a, b = p["span"]
                names = [m.repair for m in doc.marks if m.start < b and a < m.end]
                if names:
                    p["repairs"] = list(dict.fromkeys([*p.get("repairs", []), *names]))
    if doc.runs:
        starts = [r.start for r in doc.runs]
        for p in prov.values():
            if p.get("span"):
                i = bisect_right(starts, p["span"][0]) - 1
                if i >= 0 and doc.runs[i].start <= p["span"][0] < doc.runs[i].end:
                    p["page"], p["bbox"] = doc.runs[i].page, doc.runs[i].bbox

    tables = [_table_report(name, template, trace, placed[name], values, arithmetic) for name in TABLES]
    usage = Usage()
    targets = list(TABLES) if force_llm else [t.table for t in tables if t.needs_repair]
    if targets and llm is None and not force_llm:
        findings.append(
            Finding(kind="repair", message=f"would go to the LLM repair (none configured): {', '.join(targets)}")
        )
    elif targets and llm is not None:
        usage, findings = _repair(doc, trace, template, targets, values, prov, findings, llm, cache)
        arithmetic = broken(values, template)
        findings = [f for f in findings if f.kind != "arithmetic"] + arithmetic
        tables = [_table_report(name, template, trace, placed[name], values, arithmetic) for name in TABLES]

    data = report.model_dump()
    data.update({name: _nest(values, name, template) for name in TABLES})
    data["provenance"] = prov
    data["findings"] = findings
    data["tables"] = tables
    data["usage"] = usage
    trace.report = Report.model_validate(data)
    return trace


def _cells_of_flagged_rows(values: dict[str, Optional[Number]], findings: list[Finding]) -> list[str]:
    """Cells of rows the matcher could not place with confidence: the arithmetic must not fill them either
    (their neighbours' placement is what is in doubt)."""
    rows = {f.key for f in findings if f.kind in ("ambiguous", "unmatched") and f.key}
    return [k for k in values if k.rsplit(".", 1)[0] in rows or k in rows]


_UNCERTAIN = ("placed_by_position", "blank_cell_in_text_row", "off_usual_columns")


def _unplace_uncertain(values: dict[str, Optional[Number]], prov: dict[str, dict]) -> list[Finding]:
    """Rows placed by position alone, or text rows read with a blank cell (a blank 总计, or a lost cell that
    shifted the rest?), are trusted only while table 三 adds up. If it does not, they are left null rather
    than risk a wrong number."""
    rows = sorted(
        {k.rsplit(".", 1)[0] for k, p in prov.items() if k.startswith("requests.") and set(p.get("repairs", ())) & set(_UNCERTAIN)}
    )
    for row in rows:
        for k in [k for k in values if k.startswith(row + ".")]:
            values[k] = None
            prov.pop(k, None)
    return [
        Finding(
            kind="ambiguous",
            key=row,
            message=f"{row}: read without a label of its own or with a blank cell, and table 三 does not add up, so "
            "its place is uncertain; left null",
        )
        for row in rows
    ]


def _repair(
    doc: Document,
    trace: Trace,
    template: TemplateName,
    targets: list[str],
    values: dict[str, Optional[Number]],
    prov: dict[str, dict],
    findings: list[Finding],
    llm: "LLMConfig",
    cache: Any,
) -> tuple[Usage, list[Finding]]:
    """Stage 5: the LLM fallback on the tables that need it; a failed repair leaves the rules' result."""
    from .repair import repair_table
    from .repair import stage

    usage = Usage()
    findings = list(findings)
    regions = {r.name: r for r in trace.regions}
    for table in targets:
        region, grid = regions.get(table), trace.grids.get(table)
        if region is None or grid is None:
            findings.append(Finding(kind="llm", stage="llm", key=table, message=f"{table}: no region to send to the LLM"))
            continue
        reasons = [f.message for f in findings if (f.key or "").startswith(table)]
        req = stage.request(table, template, doc.text, region.start, region.end, grid, reasons)
        outcome = repair_table(req, llm, cache)
        trace.repairs[table] = outcome
        usage = stage.add_usage(usage, outcome.usage)
        findings.extend(outcome.findings)
        if outcome.accepted:
            allowed = stage.open_cells(table, values, prov, findings)
            _, notes = stage.merge(outcome, allowed, values, prov)
            findings.extend(notes)
    return usage, findings


def _table_report(
    name: str, template: TemplateName, trace: Trace, placed: Placed, values: dict[str, Optional[Number]], arithmetic: list[Finding]
) -> TableReport:
    spec = TEMPLATES[template].tables[name]
    keys = spec.keys()
    grid = trace.grids.get(name)
    nulls = sum(1 for k in keys if values.get(k) is None)
    broken_here = sum(1 for f in arithmetic if (f.key or "").startswith(name))
    uncertain = any(f.kind in ("ambiguous", "unmatched", "missing") for f in placed.findings)
    return TableReport(
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


def extract(
    source: Source,
    *,
    name: Optional[str] = None,
    llm: Optional["LLMConfig"] = None,
    force_llm: bool = False,
    cache: Any = None,
) -> Report:
    """One report in (path, text or bytes), one validated :class:`Report` out.

    Rules only unless ``llm`` (a :class:`giar.repair.LLMConfig`, e.g. ``LLMConfig.from_env()``) is given."""
    report = trace(source, name=name, llm=llm, force_llm=force_llm, cache=cache).report
    assert report is not None
    return report


def trace(
    source: Source,
    *,
    name: Optional[str] = None,
    llm: Optional["LLMConfig"] = None,
    force_llm: bool = False,
    cache: Any = None,
) -> Trace:
    """Like :func:`extract`, but keep every intermediate object (document, regions, grids, placed rows,
    LLM answers)."""
    return run(read(source, name), llm, force_llm, cache)


@dataclass
class Failure:
    """A document of a batch that could not be read: the batch goes on without it."""

    source: str
    error: str


def _one(args: tuple[Source, dict[str, Any]]) -> Report | Failure:
    src, options = args
    try:
        return extract(src, **options)
    except Exception as exc:  # noqa: BLE001 - a batch must survive any one bad document
        return Failure(source=str(src), error=f"{type(exc).__name__}: {exc}")


def extract_many(sources: Iterable[Source], jobs: int = 1, **options: Any) -> Iterator[Report | Failure]:
    """Reports for many documents, in input order; one that fails yields a :class:`Failure`, never stops the
    rest. ``jobs`` > 1 reads documents in that many processes. ``options`` are :func:`extract`'s (``llm=…``)."""
    work = ((src, options) for src in sources)
    if jobs <= 1:
        yield from map(_one, work)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_one, work, chunksize=4)
