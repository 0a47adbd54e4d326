"""``giar review``: one self-contained HTML page to check a batch of reports by eye.

For each report the three tables as the template prints them, every value coloured by how it was obtained,
broken rules on their cells with both sides, and the source text beside them with every value's span marked;
for a batch an index by status, charts, and comparisons across bodies and years; corrections exported as a
small JSON file that ``giar extract --corrections`` applies.

    >>> from giar.review import collect, build_page
    >>> html = build_page(collect(["reports/"]))
"""

from .items import Item, collect
from .page import build_page

__all__ = ["Item", "build_page", "collect"]
