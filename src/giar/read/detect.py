"""Which reader a file needs, judged by its bytes: names lie (``report.html`` saved as PDF, ``.doc`` that is
HTML, downloads without extension), so the extension only breaks ties."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Optional

from ..model import Format
from .text import decode, is_markdown

_STRONG_HTML = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta[\s/]", re.I)
_TABLE_HTML = re.compile(rb"<table[\s>]|<tr[\s>]|<td[\s>]|<p[\s>]|<div[\s>]|<br\s*/?>", re.I)
_EXT = {
    "pdf": "pdf", "docx": "docx", "html": "html", "htm": "html", "xhtml": "html", "shtml": "html",
    "md": "markdown", "markdown": "markdown", "txt": "text",
}  # fmt: skip


def _ext(name: Optional[str]) -> Optional[str]:
    if not name or "." not in name:
        return None
    return _EXT.get(name.rsplit(".", 1)[-1].lower())


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _ascii_head(data: bytes, size: int = 8192) -> bytes:
    """The first bytes in an ASCII-compatible form, so tag sniffing works for UTF-8, GBK and UTF-16 alike."""
    head = data[:size]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    return head


def detect(data: bytes, name: str | None = None) -> Format:
    """``pdf`` by magic, ``docx`` by a zip holding word/document.xml, ``html`` by markup in the first KB,
    ``markdown`` by pipe tables or ``#`` headings, else ``text``."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        # a zip without word/document.xml is no report; a damaged one named .docx gets the DOCX reader's message
        return "docx" if _is_docx(data) or _ext(name) == "docx" else "text"
    ext = _ext(name)
    head = _ascii_head(data).lstrip(b"\xef\xbb\xbf \t\r\n")
    if _STRONG_HTML.search(head[:4096]):
        return "html"
    head_text = data[:65536]
    if len(data) > len(head_text) and b"\n" in head_text:  # cut at a line end, not inside a character
        head_text = head_text[: head_text.rfind(b"\n") + 1]
    text, _ = decode(head_text)
    markdown = is_markdown(text)
    tags = len(_TABLE_HTML.findall(head))
    if tags and (ext == "html" or (not markdown and (tags >= 3 or head.startswith(b"<")))):
        return "html"
    if markdown:
        return "markdown"
    return "markdown" if ext == "markdown" else "text"
