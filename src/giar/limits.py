"""Bounds on what one document may cost: every limit in one typed object, passed in (``extract(...,
limits=Limits(max_seconds=60))``), never read from the environment.

A document over a bound raises :class:`~giar.errors.TooLarge` or :class:`~giar.errors.TimeLimitExceeded`
naming the bound, before the work it would have cost where that can be known in advance (file size from
``stat``, DOCX parts from the ZIP directory, PDF pages from the page count), else as soon as it is seen.

Where each is checked:

=====================  =======================================================================================
``max_bytes``          the file's size (``stat``, before reading), or the length of bytes/text given
``max_pdf_pages``      the PDF's page count, before any page is read
``max_docx_parts``     the number of entries in the DOCX's ZIP directory (its end record, before listing it)
``max_docx_part_bytes`` each DOCX part's inflated size, from the ZIP directory, before anything is inflated
``max_docx_bytes``     all DOCX parts inflated together (python-docx loads every part), likewise
``max_html_depth``     how deeply the page's elements nest (libxml2 silently drops what is below 255 levels)
``max_html_rows``      ``<tr>`` rows in the whole page
``max_seconds``        wall time of the whole document: read, every stage, and the LLM repair (each request's
                       timeout and the repair's total are cut to what is left)
=====================  =======================================================================================

In one process the time bound is checked between stages and before each LLM request, so one long step (a PDF
page, an lxml parse) finishes before it is noticed; the size bounds keep each such step small. A batch that
must never overrun runs each document in a worker process with a deadline (``giar extract -j``).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Optional

from .errors import ConfigError, TimeLimitExceeded, short

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds on one document; ``None`` turns a bound off. The defaults are far above any annual report (a few
    MB, tens of pages) and stop hostile inputs within seconds."""

    max_bytes: Optional[int] = 200 * MiB  # input file (or bytes, or text) size
    max_pdf_pages: Optional[int] = 1000  # pages of a PDF
    max_docx_parts: Optional[int] = 10_000  # entries of a DOCX's ZIP
    max_docx_part_bytes: Optional[int] = 100 * MiB  # one DOCX part, inflated
    max_docx_bytes: Optional[int] = 400 * MiB  # all DOCX parts, inflated
    max_html_depth: Optional[int] = 200  # element nesting of an HTML page (libxml2 drops below 255 anyway)
    max_html_rows: Optional[int] = 50_000  # <tr> rows of an HTML page
    max_seconds: Optional[float] = 300.0  # wall time per document, LLM repair included

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
                raise ConfigError(f"Limits.{name} must be a positive number or None, not {value!r}")

    def as_dict(self) -> dict[str, Optional[float]]:
        return asdict(self)

    def deadline(self, name: object = "<input>") -> Deadline:
        """A clock for one document, started now."""
        return Deadline(self.max_seconds, short(name))


UNLIMITED = Limits(**{k: None for k in Limits().as_dict()})
DEFAULT = Limits()


@dataclass
class Deadline:
    """The wall-time budget of one document: ``check`` raises :class:`TimeLimitExceeded` once it is spent."""

    seconds: Optional[float]
    name: str = "<input>"
    start: float = field(default_factory=time.monotonic)

    def left(self) -> Optional[float]:
        """Seconds left (never negative), or None when there is no bound."""
        if self.seconds is None:
            return None
        return max(0.0, self.seconds - (time.monotonic() - self.start))

    def check(self, stage: str) -> None:
        if self.seconds is not None and time.monotonic() - self.start > self.seconds:
            elapsed = time.monotonic() - self.start
            raise TimeLimitExceeded(
                f"{self.name}: over the time limit of {self.seconds:g} s (Limits.max_seconds): "
                f"{elapsed:.1f} s spent, at {stage}"
            )
