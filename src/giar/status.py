"""Typed status: the only thing stages read from each other about how a value or a row was obtained, and the
one word a person reads about a whole report.

A stage never looks at another stage's message text or at repair-name strings: it looks at a
:class:`FindingKind` and at a row's :class:`RowStatus`. Rewording a message therefore cannot change what is
nulled, inferred or sent to a model.

:func:`report_status` sums a report up in one word, the same in the review page and the batch summary:

- ``failed``: the document could not be read (a :class:`giar.batch.Failure`, not a Report);
- ``inconsistent``: a table's arithmetic is broken (as printed, or as read);
- ``partial``: a template cell is null;
- ``repaired``: every cell has a value, but some needed more than reading a well-formed table: a named repair,
  the arithmetic (inferred), the LLM or a person;
- ``clean``: every cell read as printed, every rule holds.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from .template import TEMPLATES

if TYPE_CHECKING:
    from .model import Report


class FindingKind(StrEnum):
    """What a finding is about (serialised as its value, so the JSON contract keeps plain strings)."""

    ARITHMETIC = "arithmetic"  # a rule of SCHEMA.md broken by the printed numbers
    BLANK = "blank"  # a cell printed empty
    DASH = "dash"  # a cell printed —, -, / or 无, read as 0
    FOOTNOTE = "footnote"  # a footnote mark printed after a number, dropped
    UNIT = "unit"  # an amount converted to 万元
    MISSING = "missing"  # a row, table, title or year the document does not contain
    AMBIGUOUS = "ambiguous"  # printed, but where each number belongs is not determined: left null
    UNMATCHED = "unmatched"  # a printed row that fits no template row at its place: left null
    INFERRED = "inferred"  # a value the arithmetic fixes (or refuses to fix)
    AGGREGATE = "aggregate"  # the other template's （六） rows printed: kept as an equation
    REPAIRED = "repaired"  # the reading needed a named repair the user should know of
    REORDERED = "reordered"  # columns printed in another order than the template's: placed by their header
    OTHER_TABLE = "other_table"  # a table the document says is another year's or another body's: not read
    TEMPLATE = "template"  # how the template was decided, when not from the tables
    FORMAT = "format"  # the file could not be read as its format
    ENCODING = "encoding"  # the text's encoding was guessed
    NARRATIVE = "narrative"  # what the narrative states disagrees with what the tables print
    REPAIR = "repair"  # tables that would go to the LLM repair (none configured)
    LLM = "llm"  # what the LLM repair did or why it did not
    NOT_RECORDED = "not_recorded"  # bench replay: no recorded LLM exchange for this document
    HUMAN = "human"  # a person's correction or confirmation (giar.corrections), or one not applied
    OCR = "ocr"  # read by OCR: a page OCR'd, a number the recogniser was unsure of, a row its arithmetic refused


class RowStatus(StrEnum):
    """How the values of one template row were obtained by the rules (the matcher sets it; later stages read it)."""

    CLEAN = "clean"  # placed by its label, every cell where the table's columns are
    BY_POSITION = "by_position"  # no label of its own: placed by template order
    BLANK_CELL = "blank_cell"  # a text row read with a blank cell (a blank 总计, or a lost cell?)
    OFF_COLUMNS = "off_columns"  # its numbers start off the columns where the table's other rows start
    AMBIGUOUS = "ambiguous"  # printed, but where its numbers belong is not determined: null
    UNMATCHED = "unmatched"  # the row at its place is another row: null
    MISSING = "missing"  # not printed: null
    INFERRED = "inferred"  # filled by the arithmetic
    REPAIRED = "repaired"  # placed by an LLM repair
    OCR_UNSURE = "ocr_unsure"  # (a cell) OCR'd below the confidence threshold: null
    OCR_BROKEN = "ocr_broken"  # OCR'd values that break a rule: null (a misread cannot be told from the source's error)
    OCR_DOUBTFUL = "ocr_doubtful"  # ... and they hold digits OCR confuses (0/6/8, 1/7): null, and never inferred

    @property
    def uncertain(self) -> bool:
        """Placed, but trusted only while table 三 adds up."""
        return self in (RowStatus.BY_POSITION, RowStatus.BLANK_CELL, RowStatus.OFF_COLUMNS)

    @property
    def flagged(self) -> bool:
        """The rules could not read it: a model may fill it; the arithmetic may not (except missing rows)."""
        return self in (RowStatus.AMBIGUOUS, RowStatus.UNMATCHED, RowStatus.MISSING, RowStatus.OCR_BROKEN,
                        RowStatus.OCR_DOUBTFUL)

    @property
    def frozen(self) -> bool:
        """Its neighbours' placement is in doubt: the arithmetic must not fill its cells either."""
        return self in (RowStatus.AMBIGUOUS, RowStatus.UNMATCHED, RowStatus.OCR_DOUBTFUL)


# how an uncertain placement shows in provenance (named repairs are for people; the status is for stages)
UNCERTAIN_REPAIRS = {
    RowStatus.BY_POSITION: "placed_by_position",
    RowStatus.BLANK_CELL: "blank_cell_in_text_row",
    RowStatus.OFF_COLUMNS: "off_usual_columns",
}


# --- one word per report -------------------------------------------------------------------------------

Status = Literal["clean", "repaired", "inconsistent", "partial", "failed"]
STATUSES: tuple[Status, ...] = ("clean", "repaired", "inconsistent", "partial", "failed")

# How a well-formed table line is cut into cells (grid.py, match/cells.py): every document needs one of these,
# so they are the reading itself, not a repair of it. Counting them would leave no report clean.
LAYOUT_STEPS = frozenset({"split_tabs", "split_pipes", "split_spaces", "split_trailing_numbers", "choose_value_columns"})
REPAIR_FINDINGS = frozenset({FindingKind.INFERRED, FindingKind.REPAIRED, FindingKind.LLM})


def repairs_of(steps: list[str]) -> list[str]:
    """The named repairs among a value's reading steps (layout steps left out)."""
    return [r for r in steps if r not in LAYOUT_STEPS]


def null_cells(report: Report) -> list[str]:
    """Template cells without a value (every cell, when no template was recognised)."""
    tmpl = TEMPLATES.get(report.meta.template or "")
    if tmpl is None:
        return ["*"]
    return [k for k in tmpl.keys() if report.value(k) is None]


def report_status(report: Report) -> Status:
    kinds = {f.kind for f in report.findings}
    if FindingKind.ARITHMETIC in kinds:
        return "inconsistent"
    if null_cells(report):
        return "partial"
    if any(p.method != "rules" or repairs_of(p.repairs) for p in report.provenance.values()):
        return "repaired"
    if kinds & REPAIR_FINDINGS:
        return "repaired"
    return "clean"
