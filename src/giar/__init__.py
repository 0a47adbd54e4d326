"""giar: government information-disclosure annual reports → validated, typed, traceable data.

    >>> from giar import extract
    >>> report = extract("report.pdf")          # a path, bytes, or the text itself
    >>> report.requests["new_received"]["total"]
"""

from .model import Document, Finding, Grid, Provenance, Report
from .pipeline import Trace, extract, extract_many, trace
from .read import ReadError

__all__ = [
    "Document",
    "Finding",
    "Grid",
    "Provenance",
    "ReadError",
    "Report",
    "Trace",
    "extract",
    "extract_many",
    "trace",
]
