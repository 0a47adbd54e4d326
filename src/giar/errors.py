"""Every error giar raises derives from :class:`GiarError`, so a caller can catch giar's failures apart from
bugs; each says in one line which input and what is wrong.

Junk in, a clear answer out (issue 15): a document giar cannot read raises one of these, never a Report of
nulls and never an exception of a library giar uses::

    GiarError
    ├── ReadError            the input cannot be read (missing, not a regular file, empty, damaged)
    │   ├── UnsupportedFormat    a file of a kind giar does not read (an archive, a spreadsheet, a .doc)
    │   ├── EncryptedDocument    a password-protected PDF, DOCX or ZIP
    │   └── NeedsOCR             a scan: no text layer (the message names the extra: pip install giar[ocr])
    ├── NotAnAnnualReport    read, but no trace of the report's tables, headings or title
    ├── UnsupportedTemplate  an annual report in the template before 2019 (other tables)
    ├── LimitExceeded        a bound of :class:`giar.limits.Limits` was reached
    │   ├── TooLarge             input size, PDF pages, DOCX parts, HTML nesting or rows
    │   └── TimeLimitExceeded    the document's wall-time budget (``Limits.max_seconds``)
    ├── InternalError        giar failed on this document: a bug, reported with the document's name
    ├── ConfigError          a setting giar was given is not valid
    └── PromptError          a prompt file of the LLM fallback is missing or malformed

The batch runner records ``type(exc).__name__`` and ``str(exc)``: the class says what kind of failure, the
message (one line, starting with the document's name) says which file and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_LONG_NAME = 160  # characters of a document's name kept in a message (a 4,000-character path stays readable)


def short(name: object) -> str:
    """A document's name as a message shows it: one line, a very long one cut in the middle."""
    text = " ".join(str(name).splitlines())
    if len(text) <= _LONG_NAME:
        return text
    half = _LONG_NAME // 2 - 1
    return f"{text[:half]}…{text[-half:]}"


class GiarError(Exception):
    """The root of every error giar raises. The message is kept to one line."""

    def __init__(self, message: object = "") -> None:
        super().__init__(" ".join(str(message).splitlines()))


class ReadError(GiarError, ValueError):
    """The input could not be read as a report (missing file, not a regular file, empty, damaged)."""


class UnsupportedFormat(ReadError):
    """A file of a kind giar does not read: an archive that is not a DOCX, a spreadsheet, a Word 97-2003 .doc."""


class EncryptedDocument(ReadError):
    """A document that needs a password (or a decryption giar's readers cannot do) to be read."""


class NeedsOCR(ReadError):
    """A scan: pages without a text layer. OCR reads them where the OCR extra is installed."""

    EXTRA = "pip install giar[ocr]"

    @classmethod
    def scan(cls, name: object, what: str = "a scanned PDF with no text layer") -> NeedsOCR:
        return cls(f"{short(name)}: {what}; install the OCR extra to read it ({cls.EXTRA})")


class NotAnAnnualReport(GiarError, ValueError):
    """The document was read but holds no trace of a disclosure annual report: none of its three tables, none
    of its section headings, no report title (a news article, a budget report, an error page, random bytes)."""


class UnsupportedTemplate(GiarError, ValueError):
    """An annual report in a template giar does not read: the statistics table of reports before 2019."""


class LimitExceeded(GiarError):
    """A bound of :class:`giar.limits.Limits` was reached: the document is refused rather than let run away."""


class TooLarge(LimitExceeded, ValueError):
    """The input is over a size bound: bytes, PDF pages, a DOCX part inflated, HTML nesting or rows."""


class TimeLimitExceeded(LimitExceeded, TimeoutError):
    """The document took longer than ``Limits.max_seconds`` (reading and every stage, LLM calls included)."""


class InternalError(GiarError, RuntimeError):
    """giar itself failed on this document (a bug): the message names the document and the exception, the
    original is chained as ``__cause__``. Please report it with the document."""


@contextmanager
def typed(name: object, wrap: type[GiarError], what: str) -> Iterator[None]:
    """Any exception inside becomes a GiarError naming the document: too deep or out of memory is
    :class:`TooLarge`, anything else not already a GiarError is ``wrap`` (saying ``what``), the original chained."""
    try:
        yield
    except GiarError:
        raise
    except RecursionError:
        raise TooLarge(f"{short(name)}: nested too deeply to read") from None
    except MemoryError:
        raise TooLarge(f"{short(name)}: ran out of memory") from None
    except Exception as exc:
        raise wrap(f"{short(name)}: {what} ({type(exc).__name__}: {str(exc)[:200]})") from exc


class ConfigError(GiarError, ValueError):
    """A setting giar was given (an environment variable, an option) is not valid."""


class PromptError(GiarError, ValueError):
    """A prompt file of the LLM fallback is missing or malformed."""


class OverTimeLimit(GiarError):
    """A document of a batch took longer than the per-document deadline: its worker was stopped."""


class WorkerDied(GiarError):
    """The process reading a document of a batch died (out of memory, a crash in a native library)."""


class OutputLocked(GiarError):
    """Another giar run is writing the same output."""
