"""Every threshold the matchers use, in one object (pdfplumber's ``TableSettings`` habit).

``giar inspect`` prints it, and a user whose documents need other values passes their own to
``giar.extract(..., settings=MatchSettings(...))``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class MatchSettings:
    # section 三: alignment of printed rows to template rows (a small dynamic programme)
    unlabeled_gain: float = 0.05  # gain of a row without a label at any place: template order decides
    skip_template: float = -0.15  # cost of a template row the document does not print
    skip_data: float = -0.3  # cost of a printed row that is no template row
    fragment_fit: float = 0.6  # label fragments around an unlabeled row must fit this well to count
    min_label_fit: float = 0.6  # a labelled row fitting its place less than this is not placed there
    better_fit_margin: float = 0.1  # ... nor one that fits another row better by this much
    diagonal_fit: float = 0.75  # the cheap one-row-per-template-row check needs every label this good
    neighbour_margin: float = 0.05  # ... and no label fitting a neighbour's row better by this much
    second_table_fit: float = 0.85  # a second 本年新收 row this good starts a second table 三
    subrow_fit: float = 0.8  # a （六） row printed in the other template's layout
    subrow_margin: float = 0.1
    # section 二: rows by label alone
    active_fit: float = 0.75
    twin_fit: float = 0.9  # a row printed twice: both copies fit this well
    # section 四: rows by group label
    group_fit: float = 0.8
    group_margin: float = 0.15
    # every table: header cells read as column (or group) labels; below header_fit, or within header_margin of
    # another label, a cell names no column, and where the header departs from the template's order the
    # column under it is left null
    header_fit: float = 0.8
    header_margin: float = 0.1
    # which printed table is this year's: a caption is a short line (at most this many characters)
    caption_chars: float = 40.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT = MatchSettings()


@dataclass(frozen=True)
class MatchContext:
    """What every matcher is given besides its rows and its table's spec (one signature for all of them)."""

    template: str  # "2019" or "2021"
    structured: bool = False  # cells exactly as the document's own table holds them (HTML, DOCX)
    settings: MatchSettings = DEFAULT
    earlier: Any = None  # the tables matched before this one (dict[str, Placed]): 四 may look in 三's spare rows
    year: Optional[int] = None  # the year the report is on: a table captioned with another year is not read
    text: str = ""  # the document's text, for matchers that read a region's text itself (run-together tables)
    regions: Any = None  # table name -> (start, end) of its region in text
