"""HTML → Document: paragraphs one per line, each ``<table>`` row one line of TAB-joined cells.

Government sites serve GBK/GB2312 pages as often as UTF-8, wrap articles in layout tables, and set table 三
with rowspan group labels; the grid rule of ``_layout`` (rowspan repeated, colspan once) makes every data row
carry its own labels, so the text pipeline needs no HTML knowledge.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

import lxml.html
from lxml import etree

from ..errors import TooLarge, short
from ..limits import DEFAULT, Limits
from ..model import Document, Finding
from ..status import FindingKind
from ._layout import Block, Piece, assemble_marked, clean, expand, has_text, place
from .text import _gb, decode, replaced

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
_DISPLAY = re.compile(r"display\s*:\s*([\w-]+)", re.I)
_VISIBILITY = re.compile(r"visibility\s*:\s*([\w-]+)", re.I)
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


_STRUCK = {"del", "s", "strike"}  # a correction: the old number struck through, the new one beside it
_RUBY_NOTES = {"rt", "rp", "rtc"}  # annotations over the base text, and the brackets around them
_NOTE_MARKS = {"sup", "sub"}  # in a cell: a footnote mark (11398889<sup>2</sup>), not digits of the number
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_MEDIA = re.compile(r"@media([^{]*)\{((?:[^{}]*\{[^{}]*\})*[^{}]*)\}", re.I)
_CSS_RULE = re.compile(r"([^{}]*)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"([a-zA-Z][\w-]*)?((?:[.#][\w-]+)*)")
_PRINT_ONLY = re.compile(r"\bprint\b", re.I)
_ON_SCREEN = re.compile(r"\bscreen\b|\ball\b|\bnot\s+print\b", re.I)


class _Rule(NamedTuple):
    """One simple selector of a page's stylesheet that sets display or visibility."""

    tag: Optional[str]
    classes: frozenset[str]
    id: Optional[str]
    weight: tuple[int, int, int, int]  # specificity (ids, classes, tags), then order in the stylesheet
    display: Optional[str]
    visibility: Optional[str]

    @property
    def key(self) -> str:
        """What an element must have for the rule to select it (its id, one of its classes, or its tag)."""
        return f"#{self.id}" if self.id else f".{min(self.classes)}" if self.classes else self.tag or ""

    def selects(self, tag: Optional[str], classes: set[str], id_: Optional[str]) -> bool:
        return (self.tag is None or self.tag == tag) and self.classes <= classes and (self.id is None or self.id == id_)


def _last(pattern: re.Pattern[str], style: str) -> Optional[str]:
    found = pattern.findall(style)
    return found[-1].lower() if found else None


def _on_screen(media: str) -> bool:
    return not _PRINT_ONLY.search(media) or bool(_ON_SCREEN.search(media))


def display_rules(css: str) -> list[_Rule]:
    """The rules of ``css`` that set display or visibility on screen, one per simple selector (``tag``,
    ``.class``, ``#id`` and their compounds). Rules for print only are left out; descendant and other
    combinator selectors are not followed (what they hide is read)."""
    css = _CSS_COMMENT.sub("", css)
    css = _CSS_MEDIA.sub(lambda m: m.group(2) if _on_screen(m.group(1)) else "", css)
    out = []
    for order, m in enumerate(_CSS_RULE.finditer(css)):
        display, visibility = _last(_DISPLAY, m.group(2)), _last(_VISIBILITY, m.group(2))
        if display is None and visibility is None:
            continue
        for selector in m.group(1).split(","):
            sm = _SIMPLE_SELECTOR.fullmatch(selector.strip())
            if not sm or not (sm.group(1) or sm.group(2)):
                continue
            parts = re.findall(r"[.#][\w-]+", sm.group(2))
            ids = [p[1:] for p in parts if p[0] == "#"]
            classes = frozenset(p[1:] for p in parts if p[0] == ".")
            if len(ids) > 1:
                continue
            tag = sm.group(1).lower() if sm.group(1) else None
            weight = (len(ids), len(parts) - len(ids), int(tag is not None), order)
            out.append(_Rule(tag, classes, ids[0] if ids else None, weight, display, visibility))
    return out


class _Page:
    """What a person sees of one page: which elements are hidden (inline, by the ``hidden`` attribute, or by a
    class or id the page's own ``<style>`` hides), struck through or annotations, and so not read."""

    def __init__(self, root: etree._Element) -> None:
        css = "\n".join("".join(s.itertext()) for s in root.iter("style") if _on_screen(s.get("media") or ""))
        self.rules: dict[str, list[_Rule]] = {}
        for rule in display_rules(css) if css.strip() else []:
            self.rules.setdefault(rule.key, []).append(rule)

    def hiding(self, el: etree._Element) -> Optional[bool]:
        """None if a reader sees the element; else whether it is removed (display:none, the ``hidden``
        attribute) or only invisible (visibility:hidden: a hidden cell still holds its column). The inline
        style wins, then the most specific (then the last) stylesheet rule, as in a browser."""
        style = el.get("style") or ""
        display, visibility = _last(_DISPLAY, style), _last(_VISIBILITY, style)
        if self.rules and (display is None or visibility is None):
            tag, classes, id_ = _tag(el), set((el.get("class") or "").split()), el.get("id")
            keys = [tag or "", f"#{id_}", *(f".{c}" for c in classes)]
            candidates = {r for k in keys for r in self.rules.get(k, ())}
            # heaviest first: the first rule that sets a property wins
            matching = sorted((r for r in candidates if r.selects(tag, classes, id_)), key=lambda r: r.weight, reverse=True)
            display = display or next((r.display for r in matching if r.display), None)
            visibility = visibility or next((r.visibility for r in matching if r.visibility), None)
        if display == "none" or (display is None and el.get("hidden") is not None):
            return True
        return False if visibility in ("hidden", "collapse") else None

    def hidden(self, el: etree._Element) -> bool:
        return self.hiding(el) is not None

    def skipped(self, el: etree._Element, tag: str, cell: bool) -> Optional[str]:
        """Why a reader does not read this element: "" for what is no content (script, style …), a repair name
        for content a reader does not see as part of the text; None when it is read."""
        if tag in _SKIP:
            return ""
        if self.hidden(el):
            return "skip_hidden_text"
        if tag in _STRUCK:
            return "skip_struck_text"
        if tag in _RUBY_NOTES:
            return "skip_ruby_annotation"
        if cell and tag in _NOTE_MARKS:
            return "footnote_mark_dropped"
        return None


def _note(repairs: set[str], el: etree._Element, name: Optional[str]) -> None:
    """Record the repair ``name`` (an element skipped or kept for a reason) if the element holds any text."""
    if name and has_text(el):
        repairs.add(name)


def _tag(el: etree._Element) -> Optional[str]:
    return el.tag.lower() if isinstance(el.tag, str) else None


def _cell_text(el: etree._Element, page: _Page) -> Piece:
    """A cell's text as a reader sees it: line breaks and inner blocks become whitespace, which ``clean`` then
    folds; hidden, struck and annotation text and footnote marks are left out, each named in the repairs."""
    parts: list[str] = []
    repairs: set[str] = set()

    def walk(node: etree._Element) -> None:
        tag = _tag(node)
        if tag is None:
            return
        skip = page.skipped(node, tag, cell=True)
        if skip is not None:
            _note(repairs, node, skip)
            return  # the element's tail is its parent's text, kept by the caller
        if tag == "ins":
            _note(repairs, node, "keep_tracked_insertion")
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
    text = clean("".join(parts))
    return Piece(text, repairs=tuple(sorted(repairs)) if text else ())


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


def table_rows(table: etree._Element, page: Optional[_Page] = None) -> list[list[Piece]]:
    """A data table as rows of cells with the giar span rule (rowspan repeated, colspan once); rows and cells
    a reader does not see (hidden) are not read."""
    page = page or _Page(table)
    source = []
    for tr in _rows(table):
        if page.hidden(tr) or (tr.getparent() is not table and page.hidden(tr.getparent())):
            continue
        cells = [(c, page.hiding(c)) for c in tr if _tag(c) in ("td", "th")]
        source.append(
            [
                (_span(c, "rowspan"), _span(c, "colspan"), _cell_text(c, page) if hiding is None else Piece(""))
                for c, hiding in cells
                if not hiding  # display:none takes the cell out of the row; visibility:hidden leaves it empty
            ]
        )
    grid = expand(place(source), len(source))
    return [[s.value if s is not None else Piece("") for s in row] for row in grid]


class _Walker:
    """Collects paragraph lines and tables in document order."""

    def __init__(self, page: _Page) -> None:
        self.page = page
        self.blocks: list[Block] = []
        self.lines: list[Piece] = []
        self.buf: list[str] = []
        self.repairs: set[str] = set()

    def flush_line(self) -> None:
        text = clean("".join(self.buf))
        self.buf.clear()
        if text:
            self.lines.append(Piece(text, repairs=tuple(sorted(self.repairs))))
        self.repairs = set()

    def flush_block(self) -> None:
        self.flush_line()
        if self.lines:
            self.blocks.append(Block("para", [[p] for p in self.lines]))
            self.lines = []

    def walk(self, el: etree._Element) -> None:
        tag = _tag(el)
        if tag is None:
            return
        skip = self.page.skipped(el, tag, cell=False)
        if skip is not None:
            _note(self.repairs, el, skip)
            return
        if tag == "br":
            self.flush_line()
            return
        if tag == "table" and not _is_layout(el):
            self.flush_block()
            for caption in el.xpath("./caption"):
                self.blocks.append(Block("para", [[_cell_text(caption, self.page)]]))
            self.blocks.append(Block("table", table_rows(el, self.page)))
            return
        if tag == "ins":
            _note(self.repairs, el, "keep_tracked_insertion")
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


_LIBXML_DEPTH = 256  # libxml2 keeps no element nested deeper (2048 with huge_tree): what is below is lost


def _check_shape(root: etree._Element, source: str, limits: Limits, cap: int) -> None:
    """Refuse a page nested deeper than ``max_html_depth`` (or than libxml2 kept: its content was dropped
    silently) or with more than ``max_html_rows`` table rows, in one pass over the tree."""
    depth = deepest = rows = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            deepest = max(deepest, depth)
            rows += el.tag == "tr"
        else:
            depth -= 1
    limit = limits.max_html_depth
    if deepest >= cap or (limit is not None and deepest > limit):
        over = f"{deepest}" if deepest < cap else f"at least {cap}"
        bound = f"the limit of {limit} (Limits.max_html_depth)" if limit is not None and limit < cap else "what lxml reads"
        raise TooLarge(f"{short(source)}: HTML elements nested {over} levels deep, over {bound}")
    if limits.max_html_rows is not None and rows > limits.max_html_rows:
        raise TooLarge(
            f"{short(source)}: {rows:,} HTML table rows, over the limit of {limits.max_html_rows:,} (Limits.max_html_rows)"
        )


def read_html(data: bytes, source: str, limits: Limits = DEFAULT) -> Document:
    """Decode by the page's own charset, parse with lxml, and render paragraphs and tables as the text grid."""
    text, enc, declared = decode_html(data)
    findings: list[Finding] = []
    if declared and _gb(declared) != _gb(enc) and not (declared.startswith("utf") and enc.startswith("utf")):
        findings.append(
            Finding(kind=FindingKind.ENCODING, message=f"page declares {declared} but reads as {enc}", stage="read")
        )
    findings += replaced(text)
    text = _XML_DECL_STR.sub("", text, count=1)
    deep = limits.max_html_depth is None or limits.max_html_depth >= _LIBXML_DEPTH - 6
    parser = lxml.html.HTMLParser(huge_tree=True) if deep else None
    try:
        root = lxml.html.document_fromstring(text, parser=parser) if text.strip() else None
    except (etree.ParserError, ValueError) as exc:
        root = None
        findings.append(Finding(kind=FindingKind.FORMAT, message=f"cannot parse HTML: {exc}", stage="read"))
    if root is None:
        return Document(source=source, format="html", text="", findings=findings, encoding=enc)
    _check_shape(root, source, limits, 2048 if deep else _LIBXML_DEPTH)

    walker = _Walker(_Page(root))
    body = root.find("body")
    walker.walk(body if body is not None else root)
    walker.flush_block()

    blocks = walker.blocks
    title = clean(" ".join(root.xpath("/html/head/title//text()")))
    if title:
        head = "\n".join(p.text for b in blocks[:10] for line in b.lines for p in line)
        if title not in head:
            blocks.insert(0, Block("para", [[Piece(title)]]))
    out, _, marks = assemble_marked(blocks)
    return Document(source=source, format="html", text=out, marks=marks, findings=findings, encoding=enc)
