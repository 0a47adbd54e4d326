"""giar: government information-disclosure annual reports → validated, typed, traceable data.

    >>> from giar import extract
    >>> report = extract("report.pdf")          # a path, bytes, or the text itself
    >>> report.requests["new_received"]["total"]
"""

from .batch import Failure, extract_many
from .errors import (
    EncryptedDocument,
    GiarError,
    InternalError,
    LimitExceeded,
    NeedsOCR,
    NotAnAnnualReport,
    TimeLimitExceeded,
    TooLarge,
    UnsupportedFormat,
    UnsupportedTemplate,
)
from .limits import Limits
from .match import MatchSettings
from .model import Document, Finding, Grid, Provenance, Report
from .pipeline import Trace, extract, trace
from .read import ReadError
from .status import FindingKind, RowStatus

__all__ = [
    "Document",
    "EncryptedDocument",
    "Failure",
    "Finding",
    "FindingKind",
    "GiarError",
    "Grid",
    "InternalError",
    "LLMConfig",
    "LimitExceeded",
    "Limits",
    "MatchSettings",
    "NeedsOCR",
    "NotAnAnnualReport",
    "Provenance",
    "ReadError",
    "Report",
    "RowStatus",
    "TimeLimitExceeded",
    "TooLarge",
    "Trace",
    "UnsupportedFormat",
    "UnsupportedTemplate",
    "extract",
    "extract_many",
    "trace",
]


def __getattr__(name: str) -> object:
    """``giar.LLMConfig`` without importing the LLM client stack until it is asked for."""
    if name == "LLMConfig":
        from .repair.config import LLMConfig

        return LLMConfig
    raise AttributeError(f"module 'giar' has no attribute {name!r}")
