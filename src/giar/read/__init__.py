"""Stage 1, read: any supported input (path, bytes or text) becomes a :class:`~giar.model.Document`.

Junk gets a typed error (:mod:`giar.errors`), never an empty document: ``guard`` checks the path, the bytes'
kind, a DOCX's ZIP directory and a PDF's password, damage and pages around the format readers, within the
bounds of :class:`~giar.limits.Limits`; an exception a reader's library raises becomes a :class:`ReadError`
naming the file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional, Union

from ..errors import ReadError, short, typed
from ..limits import DEFAULT, Deadline, Limits
from ..model import Document
from . import guard
from . import ocr as ocr_reader
from .ideographs import map_ideographs
from .ocr import DEFAULT_OCR, OcrSettings
from .text import is_markdown, normalize, read_text

Source = Union[str, bytes, Path]


def _is_path(s: str) -> bool:
    """A string of one line is a path (whatever its extension, and whether or not it exists); text has lines."""
    return "\n" not in s and "\r" not in s and bool(s.strip())


def load(source: Source, name: Optional[str] = None, limits: Limits = DEFAULT) -> tuple[bytes | str, str]:
    """The raw input and a name for it: a path is read, bytes and text are taken as they are.

    A ``str`` with a line break is the report's text; a ``str`` of one line is a path, so a missing file is an
    error even without an extension (``reports/2023年报告``)."""
    if isinstance(source, Path) or (isinstance(source, str) and _is_path(source)):
        return guard.read_file(Path(source), limits), name or str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        guard.check_size(len(data), name or "<bytes>", limits)
        return data, name or "<bytes>"
    if isinstance(source, str):
        guard.check_size(len(source), name or "<text>", limits, "characters")
        return source, name or "<text>"
    raise ReadError(f"cannot read a {type(source).__name__}: give a path, bytes or text")


def read(
    source: Source,
    name: Optional[str] = None,
    limits: Limits = DEFAULT,
    deadline: Optional[Deadline] = None,
    ocr: Optional[OcrSettings] = None,
) -> Document:
    """The document as text, whatever its format; radicals a PDF producer put for ideographs are mapped back
    (here, after every reader, so every format gets it). Scans (images, PDF pages without a text layer) are
    read by OCR with ``ocr`` (:class:`~giar.read.ocr.OcrSettings`) where the OCR extra is installed."""
    data, name = load(source, name, limits)
    deadline = deadline or limits.deadline(name)
    digest = hashlib.sha256(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data).hexdigest()
    with typed(name, ReadError, "cannot be read, damaged?"):  # a reader's library on a damaged file
        doc = _read(data, name, limits, ocr or DEFAULT_OCR)
    deadline.check("reading")
    doc.sha256 = digest
    doc.text = map_ideographs(doc.text)
    return doc


def _read(data: bytes | str, name: str, limits: Limits, ocr: OcrSettings = DEFAULT_OCR) -> Document:
    """Text as it is; bytes screened (``guard.screen``: a DOCX's ZIP directory is checked there), then read by
    the reader their content calls for."""
    if isinstance(data, str):
        if not data.strip():
            raise ReadError(f"{short(name)}: empty input")
        text = normalize(data)
        return Document(source=name, format="markdown" if is_markdown(text) else "text", text=text)
    if not data.strip():
        raise ReadError(f"{short(name)}: empty file")
    if ocr_reader.image_kind(data) and ocr_reader.available():  # a scan as an image file: OCR (without the extra, screen says so)
        return guard.after_ocr(ocr_reader.read_image_file(data, name, limits, ocr), name)
    guard.screen(data, name, limits)
    from .detect import detect

    fmt = detect(data, name)
    if fmt == "pdf":
        from .pdf import read_pdf

        info = guard.open_pdf(data, name, limits)
        if ocr_reader.available():  # only the pages without a text layer are OCR'd; a PDF with none is read as before
            blank = ocr_reader.blank_pages(data)
            if blank:
                return guard.after_ocr(ocr_reader.read_pdf_ocr(data, name, blank, ocr), name)
        return guard.after_pdf(read_pdf(data, name), data, info, name)
    if fmt == "docx":
        from .docx import read_docx

        doc = read_docx(data, name)
        if not doc.text.strip() and doc.findings:
            raise ReadError(f"{short(name)}: a damaged DOCX ({doc.findings[0].message})")
        return doc
    if fmt == "html":
        from .html import read_html

        return read_html(data, name, limits)
    return read_text(data, name, fmt)
