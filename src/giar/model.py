"""The contract of shared/spec/SCHEMA.md as pydantic models, plus the intermediate objects of the pipeline.

Every stage hands one of these to the next, so a user can stop at any stage and look (the pdfplumber habit):
``read`` gives a :class:`Document`, ``sections`` a list of :class:`Region`, ``grid`` a :class:`Grid`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, TypedDict, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .status import FindingKind

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
    confidence: Optional[float] = None  # OCR'd text: the recogniser's lowest confidence over the run


class Mark(Strict):
    """A stretch of the reader's text that needed a named repair to read as a reader sees it (struck text
    skipped, a tracked insertion kept, a radical mapped …): values whose span overlaps it carry the repair."""

    start: int
    end: int
    repair: str


class Finding(Strict):
    """Something a user should know about a value or a table: broken arithmetic, a guess, a loss.

    ``kind`` and the structured fields are what programs read; ``message`` is for people."""

    kind: FindingKind = Field(description="what the finding is about (arithmetic, blank, missing, inferred, …)")
    message: str = Field(description="the finding in words, for people; programs read kind and the fields")
    key: Optional[str] = Field(None, description="'table.row.column', 'table.row', 'table' or 'meta.field'")
    stage: str = "rules"
    table: Optional[str] = None
    row: Optional[str] = None
    column: Optional[str] = None
    rule: Optional[str] = Field(None, description="the arithmetic rule broken, e.g. 'rule2:new_received'")

    @model_validator(mode="after")
    def _fields_from_key(self) -> Finding:
        """table/row/column follow from the key, so a finding is addressed one way only."""
        if self.key and self.table is None:
            parts = self.key.split(".")
            self.table = parts[0]
            if len(parts) > 1 and parts[1] != "*":
                self.row = parts[1]
            if len(parts) > 2:
                self.column = parts[2]
        return self


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
    start: int = -1  # offset of its source line in Document.text: a cell's column is its offset from here

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
    """What the report says about itself."""

    title: Optional[str] = Field(None, description="the report's title as printed")
    organization: Optional[str] = Field(None, description="the body's name as printed in the title, without the year or the title's fixed tail")
    year: Optional[int] = Field(None, description="the year reported on (not the publication year)")
    template: Optional[Literal["2019", "2021"]] = Field(
        None, description="which national template the tables follow, decided from the tables before the year"
    )
    publisher: Optional[str] = Field(None, description="the publishing body, where the document or its archive header names it")
    published: Optional[str] = Field(None, description="publication date (ISO), where printed")
    source_url: Optional[str] = Field(None, description="the original page's URL, where an archive header gives it")


class Sections(Strict):
    """The text of sections 1, 5 and 6."""

    overview: Optional[str] = Field(None, description="section 1: general situation")
    problems: Optional[str] = Field(None, description="section 5: main problems and improvements")
    other: Optional[str] = Field(None, description="section 6: other matters to report")


class ProvDict(TypedDict, total=False):
    """:class:`Provenance` as the stages build it: plain dicts, validated once with the Report (a report has
    hundreds of values, and a model per value costs more than all the matching)."""

    method: Method
    span: tuple[int, int]
    text: str
    page: int
    bbox: tuple[float, float, float, float]
    repairs: list[str]
    reader: Format
    confidence: float


class Provenance(Strict):
    """Where one value came from, so a person can check it against the document."""

    method: Method = Field(description="rules, llm, inferred (fixed by the arithmetic) or human (a correction)")
    span: Optional[tuple[int, int]] = Field(
        None, description="character offsets of the number's own digits in the text the reader produced"
    )
    text: Optional[str] = Field(None, description="the text at span, as printed")
    page: Optional[int] = Field(None, description="PDF and OCR: 1-based page")
    bbox: Optional[tuple[float, float, float, float]] = Field(None, description="PDF and OCR: x0, top, x1, bottom in points")
    repairs: list[str] = Field(default_factory=list, description="named repairs the reading needed")
    reader: Optional[Format] = Field(None, description="text, markdown, html, docx, pdf or ocr")
    confidence: Optional[float] = Field(None, description="OCR: the recogniser's confidence")
    original: Optional[Provenance] = Field(None, description="the reading a human correction replaced")


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


class RunInfo(Strict):
    """The batch run that wrote a record (``giar extract -o``): ``--resume`` redoes a record whose key differs
    (another giar version, schema or configuration)."""

    giar_version: str
    schema_version: str = "1"
    config: dict[str, Optional[Union[str, bool, int]]] = Field(
        default_factory=dict, description="what changes the result: LLM on or off, model, corrections file"
    )
    key: str = Field("", description="a digest of version, schema version and config: what resume compares")


class Report(Strict):
    """One annual report as data: the contract of shared/spec/SCHEMA.md (key names are fixed)."""

    schema_version: Literal["1"] = "1"
    source: str = Field(description="path or URL of the input, as given")
    meta: Meta = Field(default_factory=Meta)
    active_disclosure: Table = Field(
        default_factory=dict, description="section 2 (active disclosure): row key -> column key -> value (null where not determined)"
    )
    requests: Table = Field(
        default_factory=dict, description="section 3 (requests): row key -> applicant column (natural_person … total) -> count"
    )
    review_litigation: Table = Field(
        default_factory=dict, description="section 4 (review and litigation): group (review, litigation_direct, litigation_after_review) -> column -> count"
    )
    sections: Sections = Field(default_factory=Sections)
    findings: list[Finding] = Field(
        default_factory=list, description="what failed, was repaired, inferred or is missing; broken arithmetic with both sides"
    )
    provenance: dict[str, Provenance] = Field(
        default_factory=dict, description="'table.row.column' -> where that non-null value came from"
    )
    # additive fields (SCHEMA.md welcomes them)
    tables: list[TableReport] = Field(default_factory=list, description="how each table was read")
    usage: Usage = Field(default_factory=Usage, description="what the LLM fallback cost")
    format: Optional[Format] = Field(None, description="the format the input was read as")
    content_hash: Optional[str] = Field(
        None, description="sha256 of the input: the same document under another name is the same report"
    )
    sources: list[str] = Field(
        default_factory=list, description="batch outputs: every path this same content was found at in the run"
    )
    part: Optional[int] = Field(
        None, description="a file holding several bodies' reports: which report of it this is (1-based)"
    )
    run: Optional[RunInfo] = Field(None, description="batch outputs: giar's version and the run's configuration")

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
    rows: list[str] = Field(default_factory=list)  # the rows asked for (empty: every row of the table)
    known: dict[str, int] = Field(default_factory=dict)  # "row.column" -> token id the rules read there
    header: str = ""  # the table's column headings, when region_text is an excerpt below them
    broken: list[str] = Field(default_factory=list)  # rules the rules' reading already breaks (the source's)


class RepairOutcome(Strict):
    accepted: bool
    values: dict[str, Optional[Number]] = Field(default_factory=dict)  # "table.row.column" -> value
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    usage: Usage = Field(default_factory=Usage)
    findings: list[Finding] = Field(default_factory=list)
