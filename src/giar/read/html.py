"""HTML → Document: paragraphs one per line, each ``<table>`` row one line of TAB-joined cells.

Government sites serve GBK/GB2312 pages as often as UTF-8, wrap articles in layout tables, and set table 三
with rowspan group labels; the grid rule of ``_layout`` (rowspan repeated, colspan once) makes every data row
carry its own labels, so the text pipeline needs no HTML knowledge.
"""

from __future__ import annotations

import re
from typing import Optional

import lxml.html
from lxml import etree

from ..model import Document, Finding
from ..status import FindingKind
from ._layout import Block, Piece, assemble, clean, expand, place
from .text import _gb, decode

_SKIP = {
    "script", "style", "noscript", "template", "head", "iframe", "object", "embed", "svg", "math",
    "select", "button", "input", "textarea", "canvas", "video", "audio", "map",
}  # fmt: skip
_BLOCK = {
    "html", "body", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "section", "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre", "center", "form",
    "fieldset", "address", "figure", "figcaption", "hr", "tr", "td", "th", "caption", "tbody", "thead",
    "tfoot", "table", "legend", "details", "summary",
}  # fmt: skip
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL_STR = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_INT = re.compile(r"\d+")


def declared_charset(data: bytes) -> Optional[str]:
    """The charset the page declares in its first bytes (``<meta charset>``, http-equiv, ``<?xml encoding>``)."""
    head = data[:4096]
    m = _XML_DECL.search(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "ignore").lower() if m else None


def decode_html(data: bytes) -> tuple[str, str, Optional[str]]:
    """Text, the encoding used, and the declared one.

    The declaration wins, except that a page declaring a GB charset whose bytes are valid non-ASCII UTF-8 is
    UTF-8 (a CMS re-encoding the page but not its ``<meta>``): GB18030 decodes almost any bytes, so a wrong
    GB declaration would otherwise produce silent mojibake.
    """
    declared = declared_charset(data)
    if declared and _gb(declared) == "gb18030" and not data.isascii():
        try:
            return data.decode("utf-8"), "utf-8", declared
        except UnicodeDecodeError:
            pass
    text, enc = decode(data, declared)
    return text, enc, declared


def _hidden(el: etree._Element) -> bool:
    return bool(_HIDDEN.search(el.get("style") or "")) or el.get("hidden") is not None


def _tag(el: etree._Element) -> Optional[str]:
    return el.tag.lower() if isinstance(el.tag, str) else None


def _cell_text(el: etree._Element) -> str:
    """A cell's text: line breaks and inner blocks become whitespace, which ``clean`` then folds."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = _tag(node)
        if tag == "sup":
            return  # a footnote mark (11398889<sup>2</sup>) is not part of the number; its tail is kept
        if tag is not None and tag not in _SKIP and not _hidden(node):
            if tag == "br" or tag in _BLOCK:
                parts.append("\n")
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
            if tag in _BLOCK:
                parts.append("\n")

    walk(el)
    return clean("".join(parts))


def _span(el: etree._Element, attr: str) -> int:
    m = _INT.search(el.get(attr) or "")
    return int(m.group()) if m else 1


def _rows(table: etree._Element) -> list[etree._Element]:
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def _is_layout(table: etree._Element) -> bool:
    """A table used for page layout (it holds another table, or is a single cell): read its content as blocks."""
    if table.xpath(".//table"):
        return True
    cells = table.xpath("./tr/td | ./tr/th | ./*/tr/td | ./*/tr/th")
    return len(cells) <= 1


def table_rows(table: etree._Element) -> list[list[str]]:
    """A data table as rows of cell texts with the giar span rule (rowspan repeated, colspan once)."""
    source = []
    for tr in _rows(table):
        if _hidden(tr):
            continue
        cells = [c for c in tr if _tag(c) in ("td", "th") and not _hidden(c)]
        source.append([(_span(c, "rowspan"), _span(c, "colspan"), _cell_text(c)) for c in cells])
    grid = expand(place(source), len(source))
    return [[s.value if s is not None else "" for s in row] for row in grid]


class _Walker:
    """Collects paragraph lines and tables in document order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.lines: list[str] = []
        self.buf: list[str] = []

    def flush_line(self) -> None:
        text = clean("".join(self.buf))
        self.buf.clear()
        if text:
            self.lines.append(text)

    def flush_block(self) -> None:
        self.flush_line()
        if self.lines:
            self.blocks.append(Block("para", [[Piece(t)] for t in self.lines]))
            self.lines = []

    def walk(self, el: etree._Element) -> None:
        tag = _tag(el)
        if tag is None or tag in _SKIP or _hidden(el):
            return
        if tag == "br":
            self.flush_line()
            return
        if tag == "table" and not _is_layout(el):
            self.flush_block()
            for caption in el.xpath("./caption"):
                self.blocks.append(Block("para", [[Piece(_cell_text(caption))]]))
            self.blocks.append(Block("table", [[Piece(c) for c in row] for row in table_rows(el)]))
            return
        block = tag in _BLOCK
        if block:
            self.flush_block()
        if el.text:
            self.buf.append(el.text)
        for child in el:
            self.walk(child)
            if child.tail:
                self.buf.append(child.tail)
        if block:
            self.flush_block()


def read_html(data: bytes, source: str) -> Document:
    """Decode by the page's own charset, parse with lxml, and render paragraphs and tables as the text grid."""
    text, enc, declared = decode_html(data)
    findings: list[Finding] = []
    if declared and _gb(declared) != _gb(enc) and not (declared.startswith("utf") and enc.startswith("utf")):
        findings.append(
            Finding(kind=FindingKind.ENCODING, message=f"page declares {declared} but reads as {enc}", stage="read")
        )
    text = _XML_DECL_STR.sub("", text, count=1)
    try:
        root = lxml.html.document_fromstring(text) if text.strip() else None
    except (etree.ParserError, ValueError) as exc:
        root = None
        findings.append(Finding(kind=FindingKind.FORMAT, message=f"cannot parse HTML: {exc}", stage="read"))
    if root is None:
        return Document(source=source, format="html", text="", findings=findings, encoding=enc)

    walker = _Walker()
    body = root.find("body")
    walker.walk(body if body is not None else root)
    walker.flush_block()

    blocks = walker.blocks
    title = clean(" ".join(root.xpath("/html/head/title//text()")))
    if title:
        head = "\n".join(p.text for b in blocks[:10] for line in b.lines for p in line)
        if title not in head:
            blocks.insert(0, Block("para", [[Piece(title)]]))
    out, _ = assemble(blocks)
    return Document(source=source, format="html", text=out, findings=findings, encoding=enc)
