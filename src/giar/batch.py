"""Many documents: :func:`extract_many` reads them in order, in parallel processes if asked, and a document
that fails becomes a :class:`Failure` instead of stopping the batch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .model import Report
from .pipeline import extract
from .read import Source


@dataclass
class Failure:
    """A document of a batch that could not be read: the batch goes on without it."""

    source: str
    error: str


def _one(args: tuple[Source, dict[str, Any]]) -> Report | Failure:
    src, options = args
    try:
        return extract(src, **options)
    except Exception as exc:
        return Failure(source=str(src), error=f"{type(exc).__name__}: {exc}")


def extract_many(sources: Iterable[Source], jobs: int = 1, **options: Any) -> Iterator[Report | Failure]:
    """Reports for many documents, in input order; one that fails yields a :class:`Failure`, never stops the
    rest. ``jobs`` > 1 reads documents in that many processes. ``options`` are :func:`extract`'s (``llm=…``)."""
    work = ((src, options) for src in sources)
    if jobs <= 1:
        yield from map(_one, work)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_one, work, chunksize=4)
