"""The contract of shared/spec/SCHEMA.md as pydantic models, plus the intermediate objects of the pipeline.

Every stage hands one of these to the next, so a user can stop at any stage and look (the pdfplumber habit):
``read`` gives a :class:`Document`, ``sections`` a list of :class:`Region`, ``grid`` a :class:`Grid`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

Number = Union[int, float]
Format = Literal["text", "markdown", "html", "docx", "pdf", "ocr"]
Method = Literal["rules", "llm", "inferred", "human"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- read: format -> text with offsets -------------------------------------------------------------


class TextRun(Strict):
    """Where a stretch of the reader's text sits on a PDF page, so a value can point at its box."""

    start: int
    end: int
    page: int
    bbox: tuple[float, float, float, float]


class Mark(Strict):
    """A stretch of the reader's text that needed a named repair to read as a reader sees it (struck text
    skipped, a tracked insertion kept, a radical mapped …): values whose span overlaps it carry the repair."""

    start: int
    end: int
    repair: str


class Finding(Strict):
    """Something a user should know about a value or a table: broken arithmetic, a guess, a loss."""

    kind: str  # e.g. arithmetic, blank, dash, missing, inferred, repaired, unit, ambiguous, format, llm
    message: str
    key: Optional[str] = None  # "table.row.column" or "table.row" or "table" where it applies
    stage: str = "rules"


class Document(Strict):
    """One report as text: every later offset points into ``text``.

    Readers of structured formats (HTML, DOCX, PDF) render each table row as one line of tab-separated
    cells, so one text parser serves every format.
    """

    source: str
    format: Format
    text: str
    runs: list[TextRun] = Field(default_factory=list)
    marks: list[Mark] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    encoding: Optional[str] = None
    sha256: Optional[str] = None  # of the input as given (bytes, or text as UTF-8): resume and corrections key on it

    def page_box(self, start: int) -> Optional[TextRun]:
        for run in self.runs:
            if run.start <= start < run.end:
                return run
        return None


# --- sections and grid ------------------------------------------------------------------------------


class Region(Strict):
    """A stretch of the text believed to hold one part of the report."""

    name: str  # overview, active_disclosure, requests, review_litigation, problems, other, title
    start: int
    end: int
    how: str  # "heading" or "content": how it was found


@dataclass(slots=True)
class Cell:
    """One cell's text and where it stands in Document.text. A plain dataclass: a report makes thousands."""

    text: str
    span: tuple[int, int]


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    line: int  # index of the first source line of this row
    repairs: list[str] = field(default_factory=list)  # named steps that built this row

    @property
    def span(self) -> tuple[int, int]:
        spans = [c.span for c in self.cells] or [(0, 0)]
        return (min(s for s, _ in spans), max(e for _, e in spans))


@dataclass(slots=True)
class Grid:
    """Rows of cells of one region, after the named repairs (label joining, furniture dropped …)."""

    region: str
    layout: str  # tabs, pipes, spaces, one-cell-per-line
    rows: list[Row]
    repairs: list[str] = field(default_factory=list)


# --- the report ----------------------------------------------------------------------------------------


class Meta(Strict):
    title: Optional[str] = None
    organization: Optional[str] = None
    year: Optional[int] = None
    template: Optional[Literal["2019", "2021"]] = None
    publisher: Optional[str] = None  # 发布机构, where the document or its archive header says it
    published: Optional[str] = None  # publication date, ISO (YYYY-MM-DD)
    source_url: Optional[str] = None  # 原文链接, where an archive header gives it


class Sections(Strict):
    overview: Optional[str] = None
    problems: Optional[str] = None
    other: Optional[str] = None


class Provenance(Strict):
    method: Method
    span: Optional[tuple[int, int]] = None
    text: Optional[str] = None
    page: Optional[int] = None
    bbox: Optional[tuple[float, float, float, float]] = None
    repairs: list[str] = Field(default_factory=list)
    reader: Optional[Format] = None
    confidence: Optional[float] = None  # OCR
    original: Optional["Provenance"] = None  # the reading a human correction replaced


class TableReport(Strict):
    """How one table was read (the camelot habit): layout, repairs, rows matched, rules broken."""

    table: str
    layout: Optional[str] = None
    rows_expected: int = 0
    rows_matched: int = 0
    cells_filled: int = 0
    cells_null: int = 0
    repairs: list[str] = Field(default_factory=list)
    rules_broken: int = 0
    needs_repair: bool = False


class Usage(Strict):
    """What the LLM fallback cost for one report, summed over every attempt."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cached: int = 0
    model: Optional[str] = None


Table = dict[str, dict[str, Optional[Number]]]


class Report(Strict):
    schema_version: Literal["1"] = "1"
    source: str
    meta: Meta = Field(default_factory=Meta)
    active_disclosure: Table = Field(default_factory=dict)
    requests: Table = Field(default_factory=dict)
    review_litigation: Table = Field(default_factory=dict)
    sections: Sections = Field(default_factory=Sections)
    findings: list[Finding] = Field(default_factory=list)
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    # additive fields (SCHEMA.md welcomes them)
    tables: list[TableReport] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    format: Optional[Format] = None
    content_hash: Optional[str] = None  # sha256 of the input: the same document under another name is the same report

    def value(self, key: str) -> Optional[Number]:
        """Look up ``table.row.column``."""
        table, row, col = key.split(".")
        return (getattr(self, table).get(row) or {}).get(col)


# --- repair: what the rules hand the LLM fallback, and what comes back -------------------------------


class Token(Strict):
    """A number the reader found in a table's region: the only values an LLM repair may place."""

    id: int
    text: str
    value: Number
    span: tuple[int, int]


class RepairRequest(Strict):
    table: str  # active_disclosure, requests or review_litigation
    template: Literal["2019", "2021"]
    region_text: str  # only this table's source region, never the whole report
    region_start: int  # offset of region_text in Document.text
    tokens: list[Token]
    reasons: list[str] = Field(default_factory=list)  # why the rules sent it (findings' messages)


class RepairOutcome(Strict):
    accepted: bool
    values: dict[str, Optional[Number]] = Field(default_factory=dict)  # "table.row.column" -> value
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    usage: Usage = Field(default_factory=Usage)
    findings: list[Finding] = Field(default_factory=list)
