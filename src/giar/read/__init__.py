"""Stage 1, read: any supported input (path, bytes or text) becomes a :class:`~giar.model.Document`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Union

from ..errors import ReadError
from ..model import Document
from .ideographs import map_ideographs
from .text import is_markdown, normalize, read_text

Source = Union[str, bytes, Path]


def _looks_like_path(s: str) -> bool:
    return "\n" not in s and len(s) < 4096 and (Path(s).suffix != "" or Path(s).exists())


def load(source: Source, name: str | None = None) -> tuple[bytes | str, str]:
    """The raw input and a name for it: a path is read, bytes and text are taken as they are."""
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        if not path.exists():
            raise ReadError(f"{path}: no such file")
        if path.is_dir():
            raise ReadError(f"{path}: is a directory")
        try:
            return path.read_bytes(), name or str(source)
        except OSError as exc:
            raise ReadError(f"{path}: cannot read ({exc.strerror})") from exc
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), name or "<bytes>"
    if isinstance(source, str):
        return source, name or "<text>"
    raise ReadError(f"cannot read a {type(source).__name__}: give a path, bytes or text")


def read(source: Source, name: str | None = None) -> Document:
    """The document as text, whatever its format; radicals a PDF producer put for ideographs are mapped back
    (here, after every reader, so every format gets it)."""
    data, name = load(source, name)
    digest = hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()
    doc = _read(data, name)
    doc.sha256 = digest
    doc.text = map_ideographs(doc.text)
    return doc


def _read(data: bytes | str, name: str) -> Document:
    if isinstance(data, str):
        if not data.strip():
            raise ReadError(f"{name}: empty input")
        text = normalize(data)
        return Document(source=name, format="markdown" if is_markdown(text) else "text", text=text)
    if not data.strip():
        raise ReadError(f"{name}: empty file")
    from .detect import detect

    fmt = detect(data, name)
    if fmt == "pdf":
        from .pdf import read_pdf

        return read_pdf(data, name)
    if fmt == "docx":
        from .docx import read_docx

        return read_docx(data, name)
    if fmt == "html":
        from .html import read_html

        return read_html(data, name)
    return read_text(data, name, fmt)
