"""Stage 3b, match: place a grid's data rows on the template's rows and columns.

One module per concern: ``labels`` (label similarity), ``cells`` (placing a row's cells and typing its
values), ``columns`` (which template column each printed column is, from the header the table prints),
``years`` (which of several printed tables of a kind is this year's), and one matcher per table: ``requests``
(三), ``active`` (二), ``review`` (四). Every matcher has the signature :data:`Matcher` and is chosen from
:data:`MATCHERS` (camelot's ``parsers/`` habit); every threshold is in :class:`MatchSettings`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..grid import DataRow
from ..template import TableSpec
from .active import match_active
from .cells import Placed
from .requests import match_requests
from .review import match_review
from .runs import glued, match_active_runs, match_requests_runs, match_review_runs
from .settings import DEFAULT, MatchContext, MatchSettings

Matcher = Callable[[list[DataRow], TableSpec, MatchContext], Placed]

# in the order they run: 四 may look at 三's spare rows
MATCHERS: dict[str, Matcher] = {
    "active_disclosure": match_active,
    "requests": match_requests,
    "review_litigation": match_review,
}

# a table dumped with its cells run together (a web archiver's text) is cut by the template's arithmetic
RUN_MATCHERS: dict[str, Matcher] = {
    "active_disclosure": match_active_runs,
    "requests": match_requests_runs,
    "review_litigation": match_review_runs,
}

__all__ = ["DEFAULT", "MATCHERS", "RUN_MATCHERS", "MatchContext", "MatchSettings", "Matcher", "Placed", "glued"]
