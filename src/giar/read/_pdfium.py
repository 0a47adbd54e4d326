"""Characters and ruling edges of PDF pages from PDFium (pypdfium2), in the geometry the reader was built on.

PDFium parses a page's content in C; this module asks it only for what the reader uses, with as few calls per
character or path as it can: a call costs a few tenths of a microsecond, a page has hundreds of characters and,
when a browser prints a table, hundreds of rectangles. The calls go through the cheapest ctypes prototypes there
are: no argument types to convert, and the GIL kept (a typed prototype that releases the GIL, as pypdfium2's own
bindings are, costs two to four times as much per call).

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
import struct
from collections import defaultdict
from collections.abc import Container
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Optional

import pypdfium2 as pdfium
import pypdfium2.raw as raw

Matrix = tuple[float, float, float, float, float, float]
HEdge = tuple[float, float, float]  # a horizontal edge: (y, x0, x1)
VEdge = tuple[float, float, float]  # a vertical edge: (x, top, bottom)



class _Handle(ctypes.c_void_p):
    """A PDFium handle or pointer: ctypes returns it as it is, and passes it back without converting it."""


def _address(handle) -> int:
    """The address a pypdfium2 handle (or function) wraps."""
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def _fast(fn, restype=ctypes.c_int):
    """``fn`` (a pypdfium2 binding) through a prototype without argument types that keeps the GIL: every argument
    must be a ``_Handle`` (handles and out-parameters) or an ``int`` (a C ``int``)."""
    return ctypes.PYFUNCTYPE(restype)(_address(fn))


_count_chars = _fast(raw.FPDFText_CountChars)
_get_text = _fast(raw.FPDFText_GetText)
_unicode = _fast(raw.FPDFText_GetUnicode, ctypes.c_uint)
_loose_box = _fast(raw.FPDFText_GetLooseCharBox)
_char_matrix = _fast(raw.FPDFText_GetMatrix)
_font_size = _fast(raw.FPDFText_GetFontSize, ctypes.c_double)
_text_object = _fast(raw.FPDFText_GetTextObject, ctypes.c_void_p)  # as an int: a key for the object's run
_char_origin = _fast(raw.FPDFText_GetCharOrigin)
_count_objects = _fast(raw.FPDFPage_CountObjects)
_get_object = _fast(raw.FPDFPage_GetObject, ctypes.c_void_p)  # as an int: most objects are text, skipped by address
_form_count = _fast(raw.FPDFFormObj_CountObjects)
_form_object_at = _fast(raw.FPDFFormObj_GetObject, ctypes.c_void_p)
_load_page = _fast(raw.FPDF_LoadPage, _Handle)
_close_page = _fast(raw.FPDF_ClosePage, None)
_load_text = _fast(raw.FPDFText_LoadPage, _Handle)
_close_text = _fast(raw.FPDFText_ClosePage, None)
_media_box = _fast(raw.FPDFPage_GetMediaBox)
_rotation = _fast(raw.FPDFPage_GetRotation)
_object_type = _fast(raw.FPDFPageObj_GetType)
_object_matrix = _fast(raw.FPDFPageObj_GetMatrix)
_fill_color = _fast(raw.FPDFPageObj_GetFillColor)
_draw_mode = _fast(raw.FPDFPath_GetDrawMode)
_count_segments = _fast(raw.FPDFPath_CountSegments)
_segment = _fast(raw.FPDFPath_GetPathSegment, ctypes.c_void_p)  # as an int: an address (see _in_memory)
_segment_point = _fast(raw.FPDFPathSegment_GetPoint)
_segment_type = _fast(raw.FPDFPathSegment_GetType)
_segment_close = _fast(raw.FPDFPathSegment_GetClose)


def _form_object(form: _Handle, i: int) -> Optional[int]:
    return _form_object_at(form, ctypes.c_ulong(i))  # the index is an unsigned long, not an int


def _out(buffer, offset: int = 0) -> _Handle:
    """A pointer into an out-parameter buffer."""
    return _Handle(ctypes.addressof(buffer) + offset)


# out-parameters, reused by every call
_RECT = (ctypes.c_float * 4)()  # FS_RECTF: left, top, right, bottom
_MATRIX = (ctypes.c_float * 6)()  # FS_MATRIX: a, b, c, d, e, f
_POINT = (ctypes.c_float * 2)()
_ORIGIN = (ctypes.c_double * 2)()
_COLOR = (ctypes.c_uint * 4)()
_MODE = (ctypes.c_int * 2)()
_RECT_AT, _MATRIX_AT, _ORIGIN_X, _ORIGIN_Y = _out(_RECT), _out(_MATRIX), _out(_ORIGIN), _out(_ORIGIN, 8)
_POINT_X, _POINT_Y = _out(_POINT), _out(_POINT, 4)
_COLOR_AT = tuple(_out(_COLOR, 4 * k) for k in range(4))
_RED_AT, _GREEN_AT, _BLUE_AT, _ALPHA_AT = _COLOR_AT
_BOX_AT = tuple(_out(_RECT, 4 * k) for k in range(4))
_SIX = struct.Struct("6f")  # FS_MATRIX
_FOUR = struct.Struct("4f")  # FS_RECTF
_FILL_MODE, _STROKE = _out(_MODE), _out(_MODE, 4)

_MOVE, _LINE = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_LINETO
_PATH, _IMAGE, _FORM = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM
SHORT = 1.0  # points: a shorter edge is no rule (the table finder drops it before anything else)
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

    def __init__(self, page: _Handle):
        if _media_box(page, *_BOX_AT):
            left, bottom, right, top = _FOUR.unpack(_RECT)
        else:  # no /MediaBox of its own: what pypdfium2's get_mediabox() falls back to
            left, bottom, right, top = 0.0, 0.0, 612.0, 792.0
        x0, x1 = sorted((left, right))
        y0, y1 = sorted((bottom, top))
        turns = _rotation(page)
        if turns < 0:
            raise pdfium.PdfiumError("Failed to get page rotation.")
        rotation = 90 * turns % 360
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
    """One page's characters and edges. The page and its text page are loaded through the raw handles: pypdfium2's
    page objects (a finalizer, a parent link, typed calls that release the GIL) cost a tenth of a millisecond a
    page, and nothing here needs them."""
    page = _load_page(_Handle(_address(pdf.raw)), index)
    if not page:
        raise pdfium.PdfiumError("Failed to load page.")
    try:
        geo = _Geometry(page)
        out = PageContent(index + 1, geo.width, geo.height)
        textpage = _load_text(page)
        if not textpage:
            raise pdfium.PdfiumError("Failed to load text page.")
        try:
            chars, texts = _chars(textpage, geo)
            out.chars = _dedupe(chars)
        finally:
            _close_text(textpage)
        out.images = _walk(page, _count_objects, _get_object, geo.matrix, out, not out.chars, texts)
        return out
    finally:
        _close_page(page)


# --- characters ---------------------------------------------------------------------------------------------


def _page_text(tp: _Handle, n: int) -> str:
    """The text of characters 0..n-1: one call for the page where it maps one character to one index."""
    buf = (ctypes.c_ushort * (n + 1))()
    got = _get_text(tp, 0, n, buf)
    text = bytes(buf)[: 2 * max(0, got - 1)].decode("utf-16-le", errors="replace")
    if len(text) == n:
        return text
    return "".join(chr(_unicode(tp, i) or 32) for i in range(n))  # surrogate pairs: one call per character


Run = tuple[float, float, float, float, bool, float, float, float, bool]


def _chars(tp: _Handle, geo: _Geometry) -> tuple[list[Char], dict[int, Run]]:
    """The page's printed characters, and its text objects (by address: the path walk skips them)."""
    n = _count_chars(tp)
    if n <= 0:
        return [], {}
    text = _page_text(tp, n)
    rect, rect_at, unpack = _RECT, _RECT_AT, _FOUR.unpack
    loose_box, text_object = _loose_box, _text_object
    height, plain = geo.height, geo.plain
    runs: dict[int, Run] = {}  # text object → what its characters share
    out: list[Char] = []
    append = out.append
    last: Optional[int] = -1  # the last character's text object (no address): most characters share their neighbour's
    a = b = c = d = size = wide = em = 0.0
    straight = upright = True
    for i, ch in enumerate(text):
        if ch.isspace() or ch == "\x00":
            continue
        loose_box(tp, i, rect_at)
        obj = text_object(tp, i)
        if obj != last:
            last = obj
            run = runs.get(obj)
            if run is None:
                run = runs[obj] = _run(tp, i)
            a, b, c, d, straight, size, wide, em, upright = run
        left, top, right, bottom = unpack(rect)
        if straight:
            if right - left > wide:  # vertical writing: PDFium's loose box is not the glyph's
                left, bottom, right = _vertical(tp, i, em)
            top = bottom + size
        if plain:
            append(Char(ch, left, height - top, right, height - bottom, size or top - bottom or 10.0, upright))
        else:
            x0, y0, x1, y1 = geo.box(left, bottom, right, top)
            ga, gb, gc, gd, _, _ = _mul((a, b, c, d, 0, 0), geo.ctm)
            append(Char(ch, x0, y0, x1, y1, size or y1 - y0 or 10.0, ga * gd > 0 >= gb * gc))
    return out, runs


def _run(tp: _Handle, i: int) -> Run:
    """What the characters of character ``i``'s text object share, worked out once: its matrix (a, b, c, d);
    whether it is unturned; then the font size as printed (0 if turned: the box's height is used), the width
    above which a character's loose box is not its glyph's, an em, and whether the text is upright."""
    _char_matrix(tp, i, _MATRIX_AT)
    a, b, c, d = _MATRIX[:4]
    fs = _font_size(tp, i)
    straight = b == 0 and c == 0
    return (a, b, c, d, straight, fs * abs(d) if straight else 0.0, 1.5 * fs * abs(a) + 1, fs * abs(a),
            a * d > 0 >= b * c)


def _vertical(tp: _Handle, i: int, width: float) -> tuple[float, float, float]:
    """A character of a vertical-writing font, as pdfminer boxes it: one em wide from PDFium's origin, whose y is
    the box's lower edge (PDFium's loose box of such a character is not the glyph's)."""
    _char_origin(tp, i, _ORIGIN_X, _ORIGIN_Y)
    x, y = _ORIGIN[:]
    return x, y, x + width


_BY_TOP_X = attrgetter("top", "x0")


def _dedupe(chars: list[Char], tol: float = 1.0) -> list[Char]:
    """Drop a character printed again on itself (same text, size and direction, within ``tol`` points): a bold
    faked by overprinting, a shadow. The first one printed is kept, as pdfplumber's ``dedupe_chars`` does.

    Only characters of the same text can be twins: each text's characters are searched apart (most texts occur
    once on a page, so most characters are never sorted)."""
    by_text: dict[str, list[Char]] = defaultdict(list)
    for ch in chars:
        by_text[ch.text].append(ch)
    dropped = {id(ch) for same in by_text.values() if len(same) > 1 for ch in _twins(same, tol)}
    return [ch for ch in chars if id(ch) not in dropped] if dropped else chars


def _twins(same: list[Char], tol: float) -> list[Char]:
    """The characters to drop among characters of one text, in the order printed: of each character and the
    nearest one before it (by position) that it overprints and that is not dropped already, the later printed.

    Sorted by position, a character's twin can only be among the ones just before it with a top at most ``tol``
    higher; a run level with it and more than ``tol`` to its left is skipped whole. A text printed twice (most
    repeated texts) is one comparison, without the sort."""
    if len(same) == 2:
        a, b = same
        twins = (abs(a.top - b.top) <= tol and abs(a.x0 - b.x0) <= tol and a.upright == b.upright
                 and abs(a.size - b.size) < 0.01)
        return [b] if twins else []  # the later printed
    srt = sorted(same, key=_BY_TOP_X)
    run = list(range(len(srt)))  # where the run of characters with this one's top starts
    dropped: dict[int, Char] = {}  # by id
    printed: dict[int, int] = {}  # id → place in ``same``, once a twin is found
    for p in range(1, len(srt)):
        ch, prev = srt[p], srt[p - 1]
        if prev.top == ch.top:
            run[p] = run[p - 1]
        elif ch.top - prev.top > tol:
            continue
        j = p - 1
        while j >= 0:
            other = srt[j]
            if ch.top - other.top > tol:
                break
            if other.top == ch.top and ch.x0 - other.x0 > tol:
                j = run[j] - 1
                continue
            if (abs(other.x0 - ch.x0) <= tol and other.upright == ch.upright and abs(other.size - ch.size) < 0.01
                    and id(other) not in dropped):
                printed = printed or {id(c): k for k, c in enumerate(same)}
                later = ch if printed[id(ch)] > printed[id(other)] else other
                dropped[id(later)] = later
                break
            j -= 1
    return list(dropped.values())


# --- paths ----------------------------------------------------------------------------------------------------


def _walk(parent: _Handle, count, get, outer: Matrix, out: PageContent, count_images: bool,
          texts: Container[int]) -> int:
    """Edges of every painted path under ``parent`` (a page or a form XObject) into ``out``; the number of
    images. ``texts``: the addresses of the page's text objects, skipped without a call (a report's page has
    hundreds).

    One handle is reused for every object (a new ctypes object per object costs as much as a call), and a path is
    told from other objects by its segment count (-1 for any other object), not by a call for its type. A
    five-point path that closes an axis-aligned rectangle (``re``, as browsers draw every cell border, hundreds a
    page) is read here, inline and with the fewest calls (a function call per path costs); a side shorter
    than SHORT is left out (a browser's border is a rectangle 0.75 pt thin: two of its sides are that short), as
    the table finder would drop it first."""
    images = 0
    h, v = out.h_edges, out.v_edges
    happend, vappend = h.append, v.append
    oa, ob, oc, od, oe, of = outer
    straight = ob == 0 and oc == 0  # no quarter turn: an axis-aligned path stays axis-aligned, x and y apart
    obj = _Handle()
    count_segments, object_matrix, matrix_at, matrix = _count_segments, _object_matrix, _MATRIX_AT, _MATRIX
    segment, five_at, five_points = _segment, _FIVE_AT.from_address, _FIVE_POINTS.unpack_from
    unpack = _SIX.unpack
    for i in range(count(parent)):
        address = get(parent, i)
        if not address or address in texts:
            continue
        obj.value = address
        segments = count_segments(obj)
        if segments < 0:  # not a path
            kind = _object_type(obj)
            if kind == _FORM:
                object_matrix(obj, matrix_at)
                images += _walk(obj, _form_count, _form_object, _mul(unpack(matrix), outer), out, count_images,
                                texts)
            elif kind == _IMAGE and count_images:
                images += 1
            continue
        object_matrix(obj, matrix_at)
        a, b, c, d, e, f = unpack(matrix)
        if segments == 5 and straight and b == 0 and c == 0:
            if _in_memory:
                x0, y0, x1, y1, x2, y2, x3, y3, x4, y4 = five_points(five_at(segment(obj, 0)))
            else:
                x0, y0, x1, y1, x2, y2, x3, y3, x4, y4 = _five_points(obj)
            if x4 == x0 and y4 == y0 and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                                          or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)):
                if _hidden(obj):
                    continue  # white and not stroked: a backing, no rule
                a *= oa
                d *= od
                e = e * oa + oe
                f = f * od + of
                left, right = a * x0 + e, a * x2 + e
                if left > right:
                    left, right = right, left
                top, bottom = d * y0 + f, d * y2 + f
                if top > bottom:
                    top, bottom = bottom, top
                if right - left >= SHORT:
                    happend((top, left, right))
                    happend((bottom, left, right))
                if bottom - top >= SHORT:
                    vappend((left, top, bottom))
                    vappend((right, top, bottom))
                continue
        _path_edges(obj, _mul((a, b, c, d, e, f), outer), h, v)
    return images


def _path_edges(obj: _Handle, mat: Matrix, h: list[HEdge], v: list[VEdge]) -> None:
    """The edges of one path object (``mat``: its space → the reader's), as pdfplumber makes them from pdfminer's
    line, rect and curve objects: the path split into subpaths, each a line, a rectangle or a curve."""
    a, b, c, d, e, f = mat
    segments = _segments(obj, _count_segments(obj))
    n = len(segments)
    ops: list[str] = []  # pdfminer's operators: "m" starts a subpath, "h" closes it (back to its start)
    pts: list[tuple[float, float]] = []
    i = 0
    while i < n:
        kind = segments[i][2]
        if kind == _MOVE or not ops:
            if ops:
                _shape_edges("".join(ops), pts, obj, h, v)
            ops, pts = [], []
            op = "m"
        elif kind == _LINE:
            op = "l"
        else:  # a Bézier: two control points, then the end point (the only one pdfminer keeps)
            i += 2
            op = "c"
        x, y, _, close = segments[min(i, n - 1)]
        ops.append(op)
        pts.append((a * x + c * y + e, b * x + d * y + f))
        if close:
            ops.append("h")
            pts.append(pts[0])
        i += 1
    if ops:
        _shape_edges("".join(ops), pts, obj, h, v)


# A path's points, read from PDFium's memory: a segment handle is the address of the segment's point in the path's
# array of points (CFX_Path::Point: x and y as floats, then the segment type and the close flag as bytes, padded to
# 12 bytes), so one read gives every point instead of three calls per point (~1 µs; a browser-printed page has
# hundreds of rectangles). The layout is no API: it is checked against the API on the first path read, and if it
# ever differs the points are read through the API.
_SEGMENT = struct.Struct("<ffBB2x")
_FIVE_POINTS = struct.Struct("<" + "ff4x" * 5)
_FIVE_AT = ctypes.c_char * _FIVE_POINTS.size
_in_memory: Optional[bool] = None  # None until checked


def _five_points(obj: _Handle) -> tuple[float, ...]:
    """x0, y0, …, x4, y4 of a five-segment path, until the layout is known or if it is not the one expected."""
    if _in_memory is None:
        _check_layout(obj, 5)
    if _in_memory:
        return _FIVE_POINTS.unpack_from(_FIVE_AT.from_address(_segment(obj, 0)))
    return tuple(xy for x, y, _, _ in _segments_by_api(obj, 5) for xy in (x, y))


def _segments(obj: _Handle, n: int) -> list[tuple[float, float, int, int]]:
    """The first ``n`` segments of a path as ``(x, y, type, close)``."""
    if _in_memory is None:
        _check_layout(obj, n)
    if _in_memory and n:
        return list(_SEGMENT.iter_unpack(ctypes.string_at(_segment(obj, 0), _SEGMENT.size * n)))
    return _segments_by_api(obj, n)


def _segments_by_api(obj: _Handle, n: int) -> list[tuple[float, float, int, int]]:
    out = []
    for k in range(n):
        seg = _Handle(_segment(obj, k))
        _segment_point(seg, _POINT_X, _POINT_Y)
        out.append((_POINT[0], _POINT[1], _segment_type(seg), _segment_close(seg)))
    return out


def _check_layout(obj: _Handle, n: int) -> None:
    """Decide, on a path of ``n`` segments, whether its points can be read from memory: only if every segment
    handle is where the layout puts it and every point, type and close flag read there is the API's (a path of
    fewer than two segments cannot tell; the next one will)."""
    global _in_memory
    if n < 2:
        return
    first = _segment(obj, 0)
    _in_memory = (all(_segment(obj, k) == first + k * _SEGMENT.size for k in range(n))
                  and list(_SEGMENT.iter_unpack(ctypes.string_at(first, _SEGMENT.size * n))) == _segments_by_api(obj, n))


def _shape_edges(shape: str, pts: list[tuple[float, float]], obj: _Handle, h: list[HEdge], v: list[VEdge]) -> None:
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


def _hidden(obj: _Handle) -> bool:
    """A white rectangle painted without a stroke: Word and WPS paint one behind each line of some paragraphs."""
    if not _fill_color(obj, _RED_AT, _GREEN_AT, _BLUE_AT, _ALPHA_AT):
        return False
    if _COLOR[0] < _WHITE or _COLOR[1] < _WHITE or _COLOR[2] < _WHITE:
        return False
    return not _stroked(obj)


def _stroked(obj: _Handle) -> bool:
    _draw_mode(obj, _FILL_MODE, _STROKE)
    return bool(_MODE[1])
