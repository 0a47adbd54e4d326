"""Characters and ruling edges of PDF pages from PDFium (pypdfium2), in the geometry the reader was built on.

PDFium parses a page's content in C; this module asks it only for what the reader uses, with as few calls per
character or path as it can: a call costs a few tenths of a microsecond, a page has hundreds of characters and,
when a browser prints a table, hundreds of rectangles. The calls go through lean ctypes prototypes that take plain
addresses (pypdfium2's own bindings wrap every handle and out-parameter in a ctypes object, which costs more than
the call itself).

- Characters: text, box and font size, in pdfminer's box convention (the one pdfplumber gave the reader before):
  left edge at the origin, right edge one advance further, bottom at the font's descent below the baseline, top one
  font size above the bottom. PDFium's own "loose" box puts the top at the font's ascent instead, which would move
  every text line's middle by a point or two.
- Edges: every painted path is split into subpaths and read as pdfminer reads it (a line, an axis-aligned
  rectangle, or a curve of segments), each turned into horizontal and vertical edges as pdfplumber turns them.
  White rectangles painted without a stroke are left out: Word and WPS paint one behind each line of some
  paragraphs, and their edges would make the paragraphs look like a one-column table.

Coordinates are PDF points from the page's top-left corner (``top`` grows downwards); a page that says /Rotate is
turned as a viewer shows it. PDFium is not thread-safe: neither is this module (it reuses its out-parameters).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from operator import attrgetter

import pypdfium2 as pdfium
import pypdfium2.raw as raw

Matrix = tuple[float, float, float, float, float, float]
HEdge = tuple[float, float, float]  # a horizontal edge: (y, x0, x1)
VEdge = tuple[float, float, float]  # a vertical edge: (x, top, bottom)

_P, _I = ctypes.c_void_p, ctypes.c_int


def _address(handle) -> int:
    """The address a pypdfium2 handle (or function) wraps."""
    return ctypes.cast(handle, _P).value or 0


def _lean(fn, restype, *argtypes):
    """``fn`` (a pypdfium2 binding) called through a prototype of plain addresses and numbers."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(_address(fn))


_count_chars = _lean(raw.FPDFText_CountChars, _I, _P)
_get_text = _lean(raw.FPDFText_GetText, _I, _P, _I, _I, _P)
_unicode = _lean(raw.FPDFText_GetUnicode, ctypes.c_uint, _P, _I)
_loose_box = _lean(raw.FPDFText_GetLooseCharBox, _I, _P, _I, _P)
_char_matrix = _lean(raw.FPDFText_GetMatrix, _I, _P, _I, _P)
_font_size = _lean(raw.FPDFText_GetFontSize, ctypes.c_double, _P, _I)
_text_object = _lean(raw.FPDFText_GetTextObject, _P, _P, _I)
_char_origin = _lean(raw.FPDFText_GetCharOrigin, _I, _P, _I, _P, _P)
_count_objects = _lean(raw.FPDFPage_CountObjects, _I, _P)
_get_object = _lean(raw.FPDFPage_GetObject, _P, _P, _I)
_form_count = _lean(raw.FPDFFormObj_CountObjects, _I, _P)
_form_object = _lean(raw.FPDFFormObj_GetObject, _P, _P, ctypes.c_ulong)
_object_type = _lean(raw.FPDFPageObj_GetType, _I, _P)
_object_matrix = _lean(raw.FPDFPageObj_GetMatrix, _I, _P, _P)
_fill_color = _lean(raw.FPDFPageObj_GetFillColor, _I, _P, _P, _P, _P, _P)
_draw_mode = _lean(raw.FPDFPath_GetDrawMode, _I, _P, _P, _P)
_count_segments = _lean(raw.FPDFPath_CountSegments, _I, _P)
_segment = _lean(raw.FPDFPath_GetPathSegment, _P, _P, _I)
_segment_point = _lean(raw.FPDFPathSegment_GetPoint, _I, _P, _P, _P)
_segment_type = _lean(raw.FPDFPathSegment_GetType, _I, _P)
_segment_close = _lean(raw.FPDFPathSegment_GetClose, _I, _P)

# out-parameters, reused by every call
_RECT = (ctypes.c_float * 4)()  # FS_RECTF: left, top, right, bottom
_MATRIX = (ctypes.c_float * 6)()  # FS_MATRIX: a, b, c, d, e, f
_POINT = (ctypes.c_float * 2)()
_ORIGIN = (ctypes.c_double * 2)()
_COLOR = (ctypes.c_uint * 4)()
_MODE = (ctypes.c_int * 2)()
_RECT_AT, _MATRIX_AT, _POINT_AT, _ORIGIN_AT = (ctypes.addressof(b) for b in (_RECT, _MATRIX, _POINT, _ORIGIN))
_COLOR_AT, _MODE_AT = ctypes.addressof(_COLOR), ctypes.addressof(_MODE)

_MOVE, _LINE = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_LINETO
_PATH, _IMAGE, _FORM = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM
_WHITE = 0.95 * 255  # a fill channel at or above this is white (PDFium gives colours as 0-255 RGB)


@dataclass(slots=True)
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float  # the font size as printed (points): the box's height for horizontal text; never 0
    upright: bool = True


@dataclass
class PageContent:
    number: int  # from 1
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    h_edges: list[HEdge] = field(default_factory=list)
    v_edges: list[VEdge] = field(default_factory=list)
    images: int = 0


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (row-vector convention, as PDF writes matrices)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


class _Geometry:
    """User space → the reader's space, as pdfplumber computed it: pdfminer's device matrix for the page's /Rotate
    and media box, the media box's (turned) lower-left corner added back, then y flipped so that ``top`` is
    measured down from the page height. Unturned, that is user space with y flipped, whatever the media box."""

    def __init__(self, page: pdfium.PdfPage):
        left, bottom, right, top = page.get_mediabox()
        x0, x1 = sorted((left, right))
        y0, y1 = sorted((bottom, top))
        rotation = page.get_rotation() % 360
        if rotation == 90:
            self.ctm: Matrix = (0, -1, 1, 0, -y0, x1)
        elif rotation == 180:
            self.ctm = (-1, 0, 0, -1, x1, y1)
        elif rotation == 270:
            self.ctm = (0, 1, -1, 0, y1, -x0)
        else:
            self.ctm = (1, 0, 0, 1, -x0, -y0)
        turned = rotation in (90, 270)
        self.width, self.height = (y1 - y0, x1 - x0) if turned else (x1 - x0, y1 - y0)
        shift = (y0, x0) if turned else (x0, y0)
        self.matrix = _mul(_mul(self.ctm, (1, 0, 0, 1, *shift)), (1, 0, 0, -1, 0, self.height))
        self.plain = rotation == 0  # the common case: only y flips

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        """A user-space rectangle as ``(x0, top, x1, bottom)``."""
        a, b, c, d, e, f = self.matrix
        xs = [a * x + c * y + e for x in (left, right) for y in (bottom, top)]
        ys = [b * x + d * y + f for x in (left, right) for y in (bottom, top)]
        return min(xs), min(ys), max(xs), max(ys)


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(data)


def read_page(pdf: pdfium.PdfDocument, index: int) -> PageContent:
    page = pdf[index]
    try:
        geo = _Geometry(page)
        out = PageContent(index + 1, geo.width, geo.height)
        textpage = page.get_textpage()
        try:
            out.chars = _dedupe(_chars(_address(textpage.raw), geo))
        finally:
            textpage.close()
        out.images = _walk(_address(page.raw), _count_objects, _get_object, geo.matrix, out, not out.chars)
        return out
    finally:
        page.close()


# --- characters ---------------------------------------------------------------------------------------------


def _page_text(tp: int, n: int) -> str:
    """The text of characters 0..n-1: one call for the page where it maps one character to one index."""
    buf = (ctypes.c_ushort * (n + 1))()
    got = _get_text(tp, 0, n, ctypes.addressof(buf))
    text = bytes(buf)[: 2 * max(0, got - 1)].decode("utf-16-le", errors="replace")
    if len(text) == n:
        return text
    return "".join(chr(_unicode(tp, i) or 32) for i in range(n))  # surrogate pairs: one call per character


def _chars(tp: int, geo: _Geometry) -> list[Char]:
    n = _count_chars(tp)
    if n <= 0:
        return []
    text = _page_text(tp, n)
    rect, mat = _RECT, _MATRIX
    loose_box, text_object = _loose_box, _text_object
    height, plain = geo.height, geo.plain
    runs: dict[int, tuple[float, float, float, float, float]] = {}  # text object → its matrix and font size
    out: list[Char] = []
    append = out.append
    for i, ch in enumerate(text):
        if ch.isspace() or ch == "\x00":
            continue
        loose_box(tp, i, _RECT_AT)
        obj = text_object(tp, i)
        run = runs.get(obj)
        if run is None:
            _char_matrix(tp, i, _MATRIX_AT)
            run = runs[obj] = (mat[0], mat[1], mat[2], mat[3], _font_size(tp, i))
        a, b, c, d, fs = run
        left, right, bottom = rect[0], rect[2], rect[3]
        if b == 0 and c == 0:
            size = fs * abs(d)
            if right - left > 1.5 * fs * abs(a) + 1:  # vertical writing: PDFium's loose box is not the glyph's
                left, bottom, right = _vertical(tp, i, fs * abs(a))
            top = bottom + size
        else:  # turned text: PDFium's box
            top = rect[1]
            size = 0.0
        if plain:
            append(Char(ch, left, height - top, right, height - bottom, size or top - bottom or 10.0,
                        a * d > 0 >= b * c))
        else:
            x0, y0, x1, y1 = geo.box(left, bottom, right, top)
            ga, gb, gc, gd, _, _ = _mul((a, b, c, d, 0, 0), geo.ctm)
            append(Char(ch, x0, y0, x1, y1, size or y1 - y0 or 10.0, ga * gd > 0 >= gb * gc))
    return out


def _vertical(tp: int, i: int, width: float) -> tuple[float, float, float]:
    """A character of a vertical-writing font, as pdfminer boxes it: one em wide from PDFium's origin, whose y is
    the box's lower edge (PDFium's loose box of such a character is not the glyph's)."""
    _char_origin(tp, i, _ORIGIN_AT, _ORIGIN_AT + 8)
    x, y = _ORIGIN[:]
    return x, y, x + width


_BY_TEXT_TOP_X = attrgetter("text", "top", "x0")


def _dedupe(chars: list[Char], tol: float = 1.0) -> list[Char]:
    """Drop a character printed again on itself (same text, size and direction, within ``tol`` points): a bold
    faked by overprinting, a shadow. The first one printed is kept, as pdfplumber's ``dedupe_chars`` does.

    Sorted by text and position, a character's twin can only be among the ones just before it with the same text
    and a top at most ``tol`` higher; a run level with it and more than ``tol`` to its left is skipped whole."""
    srt = sorted(chars, key=_BY_TEXT_TOP_X)
    run = list(range(len(srt)))  # where the run of characters with this one's text and top starts
    dropped: set[int] = set()
    for p in range(1, len(srt)):
        ch, prev = srt[p], srt[p - 1]
        if prev.text != ch.text:
            continue
        if prev.top == ch.top:
            run[p] = run[p - 1]
        elif ch.top - prev.top > tol:
            continue
        j = p - 1
        while j >= 0:
            other = srt[j]
            if other.text != ch.text or ch.top - other.top > tol:
                break
            if other.top == ch.top and ch.x0 - other.x0 > tol:
                j = run[j] - 1
                continue
            if (abs(other.x0 - ch.x0) <= tol and other.upright == ch.upright and abs(other.size - ch.size) < 0.01
                    and id(other) not in dropped):
                dropped.add(id(_later(chars, other, ch)))
                break
            j -= 1
    return [ch for ch in chars if id(ch) not in dropped] if dropped else chars


def _later(chars: list[Char], a: Char, b: Char) -> Char:
    for ch in chars:
        if ch is a:
            return b
        if ch is b:
            return a
    return b


# --- paths ----------------------------------------------------------------------------------------------------


def _walk(parent: int, count, get, outer: Matrix, out: PageContent, count_images: bool) -> int:
    """Edges of every painted path under ``parent`` (a page or a form XObject) into ``out``; the number of
    images."""
    images = 0
    h, v = out.h_edges, out.v_edges
    oa, ob, oc, od, oe, of = outer
    straight = ob == 0 and oc == 0  # no quarter turn: an axis-aligned path stays axis-aligned, x and y apart
    for i in range(count(parent)):
        obj = get(parent, i)
        kind = _object_type(obj)
        if kind == _PATH:
            _object_matrix(obj, _MATRIX_AT)
            a, b, c, d, e, f = _MATRIX[:]
            if not (straight and b == 0 and c == 0 and _count_segments(obj) == 5
                    and _rectangle(obj, a * oa, d * od, e * oa + oe, f * od + of, h, v)):
                _path_edges(obj, _mul((a, b, c, d, e, f), outer), h, v)
        elif kind == _FORM:
            _object_matrix(obj, _MATRIX_AT)
            images += _walk(obj, _form_count, _form_object, _mul(_MATRIX[:], outer), out, count_images)  # type: ignore[arg-type]
        elif kind == _IMAGE and count_images:
            images += 1
    return images


def _rectangle(obj: int, a: float, d: float, e: float, f: float, h: list[HEdge], v: list[VEdge]) -> bool:
    """A five-point path that closes an axis-aligned rectangle (``re``, as browsers draw every cell border, hundreds
    a page) as its four sides, read with the fewest calls; False for any other five-point path. The path's
    matrix scales and shifts only: x → a·x + e, y → d·y + f."""
    seg, point, at, xy = _segment, _segment_point, _POINT_AT, _POINT
    coords: list[float] = []
    for k in range(5):
        point(seg(obj, k), at, at + 4)
        coords += xy[:]
    x0, y0, x1, y1, x2, y2, x3, y3, x4, y4 = coords
    if not (x4 == x0 and y4 == y0 and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                                       or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0))):
        return False
    if _hidden(obj):
        return True
    left, right = a * x0 + e, a * x2 + e
    if left > right:
        left, right = right, left
    top, bottom = d * y0 + f, d * y2 + f
    if top > bottom:
        top, bottom = bottom, top
    h.append((top, left, right))
    h.append((bottom, left, right))
    v.append((left, top, bottom))
    v.append((right, top, bottom))
    return True


def _path_edges(obj: int, mat: Matrix, h: list[HEdge], v: list[VEdge]) -> None:
    """The edges of one path object (``mat``: its space → the reader's), as pdfplumber makes them from pdfminer's
    line, rect and curve objects: the path split into subpaths, each a line, a rectangle or a curve."""
    a, b, c, d, e, f = mat
    xy = _POINT

    def point(seg: int) -> tuple[float, float]:
        _segment_point(seg, _POINT_AT, _POINT_AT + 4)
        x = xy[0]
        y = xy[1]
        return a * x + c * y + e, b * x + d * y + f

    n = _count_segments(obj)
    ops: list[str] = []  # pdfminer's operators: "m" starts a subpath, "h" closes it (back to its start)
    pts: list[tuple[float, float]] = []
    i = 0
    while i < n:
        seg = _segment(obj, i)
        kind = _segment_type(seg)
        if kind == _MOVE or not ops:
            if ops:
                _shape_edges("".join(ops), pts, obj, h, v)
            ops, pts = [], []
            op = "m"
        elif kind == _LINE:
            op = "l"
        else:  # a Bézier: two control points, then the end point (the only one pdfminer keeps)
            i += 2
            seg = _segment(obj, min(i, n - 1))
            op = "c"
        ops.append(op)
        pts.append(point(seg))
        if _segment_close(seg):
            ops.append("h")
            pts.append(pts[0])
        i += 1
    if ops:
        _shape_edges("".join(ops), pts, obj, h, v)


def _shape_edges(shape: str, pts: list[tuple[float, float]], obj: int, h: list[HEdge], v: list[VEdge]) -> None:
    """One subpath (pdfminer's operators and points) as edges: a line, a rectangle's four sides, or a curve's
    horizontal and vertical segments. A slanted line counts as vertical, as in pdfplumber."""
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:  # a redundant "l" before "h"
        shape = shape[:-2] + "h"
        pts = pts[:-2] + pts[-1:]
    if shape in ("ml", "mlh"):
        (x0, y0), (x1, y1) = pts[0], pts[1]
        if y0 == y1:
            h.append((y0, min(x0, x1), max(x0, x1)))
        else:
            v.append((min(x0, x1), min(y0, y1), max(y0, y1)))
    elif shape in ("mlllh", "mllll") and pts[0] == pts[4] and _square(pts):
        if _hidden(obj):
            return
        (x0, y0), (x1, y1) = pts[0], pts[2]
        left, right, top, bottom = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        h += [(top, left, right), (bottom, left, right)]
        v += [(left, top, bottom), (right, top, bottom)]
    else:
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            if x0 == x1:
                v.append((x0, min(y0, y1), max(y0, y1)))
            elif y0 == y1:
                h.append((y0, min(x0, x1), max(x0, x1)))


def _square(pts: list[tuple[float, float]]) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts[:4]
    return (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)


def _hidden(obj: int) -> bool:
    """A white rectangle painted without a stroke: Word and WPS paint one behind each line of some paragraphs."""
    if not _fill_color(obj, _COLOR_AT, _COLOR_AT + 4, _COLOR_AT + 8, _COLOR_AT + 12):
        return False
    if _COLOR[0] < _WHITE or _COLOR[1] < _WHITE or _COLOR[2] < _WHITE:
        return False
    _draw_mode(obj, _MODE_AT, _MODE_AT + 4)
    return not _MODE[1]
