"""Columns by their headers: which template column each printed column is, read from the header a table prints.

Reports reorder columns (其他 before 法律服务机构, 总计 first, the two litigation groups of 四 swapped, 二's columns
rotated). Values are placed by the header the document prints; position decides only where no header is
printed, or where the header that is printed agrees with the template's order.

A header is read as the readers give it: rows of cell texts, top to bottom. Text keeps every grid column
(colspans and rowspans leave blank cells, so a cell's index is its column: ``positional``); HTML and DOCX repeat
a rowspan cell in every row it covers and print a colspan cell once. Each cell is read as a column label, a
group label (法人或其他组织, 行政复议, 行政诉讼 …: :data:`~giar.template.HeaderLayout`), a word that is neither
(勾稽关系 notes, 信息内容), or an unknown word. Groups take the cells of the rows below as their children, and
the columns are the leaves of the printed tree, in printed order. Every way of reading the rows that gives each
printed group its template number of children is tried: one answer, or none.

:func:`read_header` is what the matchers use; :func:`map_columns` is the plain mapping for any other reader of
a table (a flat list of header texts works: one row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import combinations
from typing import Literal, Optional

from rapidfuzz import fuzz

from ..grid import DataRow, trim
from ..model import Cell, Row
from ..status import FindingKind
from ..template import HEADER_NOISE, Column, ColumnGroup, HeaderLayout, layout_columns
from .cells import Placed
from .labels import norm
from .settings import DEFAULT, MatchSettings

_MAX_STATES = 256  # readings kept per header row (a real header has one or two)
_MAX_CUTS = 3  # a flat list of header texts is tried as up to four rows
_COLUMN = -1  # a column taken as a group's child (a group child is counted by its id)


# --- the layout's labels ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Layout:
    """A header layout's lookup tables (built once per layout)."""

    columns: tuple[Column, ...]  # template order
    labels: tuple[tuple[str, object], ...]  # (normalised variant, target): a column's label (str) or a group
    column_label: tuple[str, ...]  # per template column: its normalised label (四's repeat per group)
    distinct: tuple[str, ...]  # the column labels in template order, each once
    under: dict[int, frozenset[int]]  # id(group) -> template columns below it
    depth_first: dict[int, int]  # id(group) -> its place among the groups, depth first
    children: dict[int, tuple[object, ...]]  # id(group) -> its children (Column or ColumnGroup)
    names: tuple[str, ...]  # per template column, for people: its label, with its group's where labels repeat
    child_groups: dict[int, frozenset[int]]  # id(group) -> ids of the groups among its children
    takes_columns: frozenset[int]  # ids of the groups with a column among their children


@cache
def _layout(layout: HeaderLayout) -> _Layout:
    columns = layout_columns(layout)
    labels: list[tuple[str, object]] = []
    under: dict[int, frozenset[int]] = {}
    order: dict[int, int] = {}
    children: dict[int, tuple[object, ...]] = {}
    col_label = tuple(norm(c.label) for c in columns)

    names: list[str] = []

    def walk(nodes: tuple[Column | ColumnGroup, ...], start: int, path: tuple[str, ...]) -> int:
        i = start
        for node in nodes:
            if isinstance(node, ColumnGroup):
                order[id(node)] = len(order)
                children[id(node)] = node.children
                labels.extend((norm(v), node) for v in (node.label, *node.aliases))
                end = walk(node.children, i, path + (node.label,))
                under[id(node)] = frozenset(range(i, end))
                i = end
            else:
                names.append("/".join(path[-1:] + (node.label,)))
                i += 1
        return i

    walk(layout, 0, ())
    # a label printed under one group only names its column alone (三's 自然人); a repeated one with its group
    names = [n if col_label.count(col_label[j]) > 1 else columns[j].label for j, n in enumerate(names)]
    for c in columns:
        labels.extend((norm(v), norm(c.label)) for v in (c.label, *c.aliases))
    return _Layout(
        columns=columns,
        labels=tuple(dict.fromkeys(labels)),
        column_label=col_label,
        distinct=tuple(dict.fromkeys(col_label)),
        under=under,
        depth_first=order,
        children=children,
        names=tuple(names),
        child_groups={g: frozenset(id(k) for k in kids if isinstance(k, ColumnGroup)) for g, kids in children.items()},
        takes_columns=frozenset(g for g, kids in children.items() if any(isinstance(k, Column) for k in kids)),
    )


# --- cells as tokens -------------------------------------------------------------------------------------------

Kind = Literal["leaf", "group", "unknown"]


@dataclass(frozen=True)
class _Token:
    text: str  # normalised
    pos: int  # index in its row: a grid column where the header is positional
    end: int  # the next printed cell's index in the row: a positional cell spans [pos, end)
    kind: Kind
    target: object = None  # a column's normalised label, or the ColumnGroup

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.text, self.pos, self.end, self.kind, self.target)))

    def __hash__(self) -> int:  # header readings are deduplicated by their slots: hash each token once
        return self._hash  # type: ignore[attr-defined]


def classify(text: str, layout: HeaderLayout, st: MatchSettings = DEFAULT) -> tuple[Optional[Kind], object]:
    """What one header cell says: ("leaf", label), ("group", group), ("unknown", None), or (None, None) for a
    blank cell or a word that is no column (a note, 信息内容)."""
    return _classify(norm(text), layout, st.header_fit, st.header_margin)


@cache
def _classify(n: str, layout: HeaderLayout, fit: float, margin: float) -> tuple[Optional[Kind], object]:
    if not n:
        return None, None
    best: dict[object, tuple[float, object]] = {}
    for variant, target in _layout(layout).labels:
        score = fuzz.ratio(n, variant) / 100
        if score > best.get(target, (-1.0, None))[0]:
            best[target] = (score, target)
    ranked = sorted(best.values(), key=lambda s: -s[0])
    top, target = ranked[0]
    second = ranked[1][0] if len(ranked) > 1 else 0.0
    if top >= fit and top - second >= margin:
        return ("leaf" if isinstance(target, str) else "group"), target
    if any(w in n for w in HEADER_NOISE):
        return None, None
    return "unknown", None


def _tokens(row: Sequence[str], layout: HeaderLayout, st: MatchSettings) -> list[_Token]:
    return list(_row_tokens(tuple(row), layout, st.header_fit, st.header_margin))


@lru_cache(maxsize=1 << 12)
def _row_tokens(row: tuple[str, ...], layout: HeaderLayout, fit: float, margin: float) -> tuple[_Token, ...]:
    """A header row's cells that say something (cached: reports repeat the template's header)."""
    printed = [i for i, t in enumerate(row) if t.strip()]
    out = []
    for k, i in enumerate(printed):
        n = norm(row[i])
        kind, target = _classify(n, layout, fit, margin)
        if kind is not None:
            end = printed[k + 1] if k + 1 < len(printed) else 1 << 30
            out.append(_Token(n, i, end, kind, target))
    return tuple(out)


def recognised(row: Sequence[str], layout: HeaderLayout, st: MatchSettings = DEFAULT) -> bool:
    """Does the row name a column or a group of the layout (is it a header row)?"""
    return any(t.kind in ("leaf", "group") for t in _tokens(row, layout, st))


# --- reading the rows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    token: _Token
    open: bool  # a printed group still waiting for its children
    chain: tuple[_Token, ...] = ()  # the printed groups above it, outermost first

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.token, self.open, self.chain)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _State:
    slots: tuple[_Slot, ...]
    # (id of a group, a child it took): a group child by its id (printed twice, it is still one child), a
    # column as a count of its own
    counts: tuple[tuple[int, int], ...] = ()


def _fits_under(tok: _Token, slot: _Slot, lay: _Layout, positional: bool) -> bool:
    if positional and not slot.token.pos <= tok.pos < slot.token.end:
        return False
    if tok.kind == "group":
        return id(tok.target) in lay.child_groups[id(slot.token.target)]
    return id(slot.token.target) in lay.takes_columns


def _advance(state: _State, toks: Sequence[_Token], lay: _Layout, positional: bool, modes: tuple[bool, ...]) -> list[_State]:
    """Every way the row's tokens can be the children of the open groups, and, in the mode where the reader
    repeats a rowspan cell (``True`` in ``modes``), the repeats of the cells above; in a fixed order.

    Branches that cannot use up the row are cut early: after slot i, a closed slot takes exactly one token where
    the reader repeats cells (none otherwise), and only open slots take more."""
    slots = state.slots
    n, m = len(slots), len(toks)
    closed_left = [0] * (n + 1)  # closed slots from i on
    open_left = [0] * (n + 1)  # open slots from i on
    for i in range(n - 1, -1, -1):
        closed_left[i] = closed_left[i + 1] + (not slots[i].open)
        open_left[i] = open_left[i + 1] + slots[i].open
    out: list[_State] = []

    def rec(repeat: bool, i: int, t: int, acc: tuple[_Slot, ...], counts: tuple[tuple[int, int], ...]) -> None:
        need = closed_left[i] if repeat else 0
        if m - t < need or (not open_left[i] and m - t != need):
            return  # the tokens left cannot all be taken
        while i < n and not slots[i].open:
            s = slots[i]
            if repeat:
                if not (t < m and toks[t].text == s.token.text):
                    return
                t += 1
            acc += (s,)
            i += 1
        if i == n:
            if t == m:
                out.append(_State(acc, counts))
            return
        s = slots[i]
        if repeat and t < m and toks[t].kind == "group" and toks[t].target is s.token.target:
            rec(repeat, i + 1, t + 1, acc + (s,), counts)  # a group's rowspan repeated: children still to come
        rec(repeat, i + 1, t, acc + (s,), counts)  # its children come in a later row
        kids: tuple[_Slot, ...] = ()
        took = counts
        chain = s.chain + (s.token,)
        for k in range(t, m):
            tok = toks[k]
            if not _fits_under(tok, s, lay, positional):
                break
            kids += (_Slot(tok, tok.kind == "group", chain),)
            took += ((id(s.token.target), id(tok.target) if tok.kind == "group" else _COLUMN),)
            rec(repeat, i + 1, k + 1, acc + kids, took)

    for repeat in modes:
        rec(repeat, 0, 0, (), state.counts)
    return out


@dataclass(frozen=True)
class HeaderReading:
    """What a table's header says about its columns.

    ``order[i]`` is the template column (index into the layout's columns, template order) that the i-th printed
    column is, or None where its cell names no column with confidence; ``order`` is None where the header does
    not determine the columns. ``departs``: the header shows the columns in another order than the template's
    (then a column the header does not determine is left null, never placed by position)."""

    order: Optional[tuple[Optional[int], ...]] = None
    departs: bool = False
    notes: tuple[str, ...] = ()

    @property
    def unreadable(self) -> bool:
        """The header departs from the template's order but does not say where each column is."""
        return self.departs and self.order is None

    def arrange(self, cells: Sequence[Cell]) -> tuple[list[Cell], frozenset[int]]:
        """A row's printed value cells in template order, and the template columns no printed cell is known to
        be (left null). Cells are taken as printed where the header agrees with the template's order."""
        if not self.departs or self.order is None:
            return list(cells), frozenset()
        if len(cells) != len(self.order):
            return list(cells), frozenset(range(len(self.order)))  # the row does not have the header's columns
        out: list[Optional[Cell]] = [None] * len(self.order)
        for cell, j in zip(cells, self.order):
            if j is not None:
                out[j] = cell
        unread = frozenset(j for j, c in enumerate(out) if c is None)
        blank = Cell(text="", span=cells[0].span if cells else (0, 0))
        return [c if c is not None else blank for c in out], unread


def arrange_row(reading: HeaderReading, cells: Sequence[Cell], columns: Sequence[Column]) -> tuple[list[Cell], frozenset[str]]:
    """:meth:`HeaderReading.arrange` for one row of template columns: its cells (blank padding at the ends
    dropped) in template order, and the keys of the columns left null."""
    arranged, unread = reading.arrange(trim(list(cells), len(columns)))
    return arranged, frozenset(columns[j].key for j in unread)


def read_header(
    rows: Sequence[Sequence[str]], layout: HeaderLayout, st: MatchSettings = DEFAULT, positional: bool = False
) -> HeaderReading:
    """Read the header rows (top to bottom, each a row's cell texts) against a layout."""
    return _read(tuple(tuple(r) for r in rows), layout, st, positional)


@lru_cache(maxsize=1 << 10)
def _read(rows: tuple[tuple[str, ...], ...], layout: HeaderLayout, st: MatchSettings, positional: bool) -> HeaderReading:
    lay = _layout(layout)
    tok_rows = [t for t in (_tokens(r, layout, st) for r in rows) if t]
    if not any(t.kind != "unknown" for r in tok_rows for t in r):
        return HeaderReading()
    orders = dict(_identify(s, lay) for s in _parse(tok_rows, lay, positional))  # each reading's columns: texts
    if len(orders) == 1:
        ((order, texts),) = orders.items()
        departs = any(j is not None and j != i for i, j in enumerate(order)) or _unnamed_elsewhere(order, texts, lay)
        return HeaderReading(order=order, departs=departs)
    if len(orders) > 1:
        return HeaderReading(departs=True, notes=(f"{len(orders)} readings of the header differ",))
    return HeaderReading(departs=_out_of_order(tok_rows, lay))


def map_columns(
    headers: Sequence[Sequence[str]] | Sequence[str],
    layout: HeaderLayout,
    st: MatchSettings = DEFAULT,
    positional: bool = False,
) -> Optional[tuple[Optional[int], ...]]:
    """The printed-order → template-column mapping a header gives (None where it gives none with confidence).

    ``headers`` is the header rows (each a sequence of cell texts, top to bottom) or one flat sequence of
    texts in printed order; ``layout`` the table's columns and groups (e.g. :data:`giar.template.REQUEST_HEADER`,
    or a plain tuple of :class:`~giar.template.Column`). Entry i is the template column of the i-th printed
    column, or None where that one cell names none."""
    if all(isinstance(h, str) for h in headers):
        return _flat(tuple(h for h in headers if isinstance(h, str)), layout, st)
    rows = [[h] if isinstance(h, str) else list(h) for h in headers]
    return read_header(rows, layout, st, positional).order


def _flat(texts: tuple[str, ...], layout: HeaderLayout, st: MatchSettings) -> Optional[tuple[Optional[int], ...]]:
    """Header texts in printed order without their rows (an archived page dump): cut into as few rows as give a
    complete reading (up to four), the mapping is returned if every such reading gives the same one."""
    found = _flat_readings(texts, layout, st)
    return next(iter(found)) if len(found) == 1 else None


@lru_cache(maxsize=1 << 8)
def _flat_readings(texts: tuple[str, ...], layout: HeaderLayout, st: MatchSettings) -> frozenset[tuple[Optional[int], ...]]:
    """Every complete reading of the texts cut into as few rows as give one (cached: archived dumps of one site
    print the same header, and :func:`map_columns` and :func:`departs_flat` both ask for it).

    Each cut is tried as :func:`_parse` would read it, but the readings after the first rows are shared by
    every cut that begins with those rows (a 四 header of 19 texts has ~1,000 cuts, most sharing a prefix)."""
    one = read_header([list(texts)], layout, st)
    if one.order is not None or len(texts) < 2:
        return frozenset({one.order}) if one.order is not None else frozenset()
    lay = _layout(layout)
    n = len(texts)

    def toks(a: int, b: int) -> tuple[_Token, ...]:
        return _row_tokens(texts[a:b], layout, st.header_fit, st.header_margin)

    prefix: dict[tuple[int, ...], Optional[list[_State]]] = {(): None}  # bounds so far -> readings (None: no token yet)

    def after(bounds: tuple[int, ...]) -> Optional[list[_State]]:
        if bounds not in prefix:
            prefix[bounds] = _row(after(bounds[:-1]), toks(bounds[-2] if len(bounds) > 1 else 0, bounds[-1]), lay, False)
        return prefix[bounds]

    for k in range(1, _MAX_CUTS + 1):
        found: set[tuple[Optional[int], ...]] = set()
        for cuts in combinations(range(1, n), k):
            states = _row(after(cuts), toks(cuts[-1], n), lay, False)
            found |= {_identify(s, lay)[0] for s in states or () if _valid(s, lay)}
        if found:
            return frozenset(found)
    return frozenset()


def labels_in(text: str, layout: HeaderLayout) -> list[str]:
    """The column and group labels a header whose cells lost their boundaries prints (an archiver's dump:
    申请人情况法人或其他组织自然人…), in printed order; longer labels are claimed first."""
    flat = norm(text)
    lay = _layout(layout)
    taken = [False] * len(flat)
    found: list[tuple[int, str]] = []
    for variant in sorted({v for v, _ in lay.labels}, key=len, reverse=True):
        at = 0
        while variant and (p := flat.find(variant, at)) >= 0:
            if not any(taken[p : p + len(variant)]):
                taken[p : p + len(variant)] = [True] * len(variant)
                found.append((p, variant))
            at = p + 1
    return [v for _, v in sorted(found)]


def departs_flat(texts: Sequence[str], layout: HeaderLayout, st: MatchSettings = DEFAULT) -> bool:
    """Header texts without their rows: does every complete reading put the columns in another order than the
    template's? (No complete reading says nothing: position may still be right.)"""
    found = _flat_readings(tuple(texts), layout, st)
    return bool(found) and tuple(range(len(_layout(layout).columns))) not in found


def _parse(tok_rows: Sequence[Sequence[_Token]], lay: _Layout, positional: bool) -> list[_State]:
    """Every complete reading of the header."""
    states: Optional[list[_State]] = None
    for toks in tok_rows:
        states = _row(states, toks, lay, positional)
    return [s for s in states or () if _valid(s, lay)]


def _row(states: Optional[list[_State]], toks: Sequence[_Token], lay: _Layout, positional: bool) -> Optional[list[_State]]:
    """The readings after one more header row: ``states`` are those before it (None: no row with a token yet;
    empty: none, or too many). A row without a token changes nothing."""
    if not toks:
        return states
    if states is None:
        return [_State(tuple(_Slot(tok, tok.kind == "group") for tok in toks))]
    nxt: dict[tuple, _State] = {}
    modes = (False,) if positional else (False, True)
    for state in states:
        for new in _advance(state, toks, lay, positional, modes):
            nxt.setdefault((new.slots, tuple(sorted(new.counts))), new)
            if len(nxt) > _MAX_STATES:
                return []
    return list(nxt.values())


def _valid(state: _State, lay: _Layout) -> bool:
    """No printed group is left without children; each printed group's children, summed over the places it is
    printed, are its template number; and there are as many leaves as the template has columns."""
    if any(s.open for s in state.slots) or len(state.slots) != len(lay.columns):
        return False
    printed = {id(g.target) for s in state.slots for g in s.chain}
    taken: dict[int, set[int]] = {}
    leaves: dict[int, int] = {}
    for group, child in state.counts:
        if child == _COLUMN:
            leaves[group] = leaves.get(group, 0) + 1
        else:
            taken.setdefault(group, set()).add(child)
    return all(leaves.get(k, 0) + len(taken.get(k, ())) == len(lay.children[k]) for k in printed)


def _identify(state: _State, lay: _Layout) -> tuple[tuple[Optional[int], ...], tuple[str, ...]]:
    """The template column of each printed leaf: by its label, and where the label repeats (四), by the printed
    group over it. A label that names no column, or two leaves naming one column, give None. (And the leaves'
    texts.)"""
    out: list[Optional[int]] = []
    for s in state.slots:
        tok = s.token
        if tok.kind != "leaf":
            out.append(None)
            continue
        cands = [j for j, lab in enumerate(lay.column_label) if lab == tok.target]
        if len(cands) > 1:
            groups = [g.target for g in s.chain]
            inner = next((lay.under[id(g)] for g in reversed(groups) if set(cands) & lay.under[id(g)]), frozenset())
            cands = [j for j in cands if j in inner]
        out.append(cands[0] if len(cands) == 1 else None)
    for j in {j for j in out if j is not None and out.count(j) > 1}:
        out = [None if x == j else x for x in out]
    return tuple(out), tuple(s.token.text for s in state.slots)


def _unnamed_elsewhere(order: tuple[Optional[int], ...], texts: tuple[str, ...], lay: _Layout) -> bool:
    """Is a printed column the header does not name with confidence nearer to the label of another unnamed
    column than to its own place's (two garbled labels swapped)? Then position does not decide either."""
    free = [j for j in range(len(order)) if j not in order]
    for i, (j, text) in enumerate(zip(order, texts)):
        if j is None and i in free:
            here = _near(text, i, lay)
            if any(_near(text, k, lay) > here for k in free if k != i):
                return True
    return False


def _near(text: str, j: int, lay: _Layout) -> float:
    col = lay.columns[j]
    return max(fuzz.ratio(text, norm(v)) for v in (col.label, *col.aliases)) / 100


def _out_of_order(tok_rows: list[list[_Token]], lay: _Layout) -> bool:
    """Without a complete reading: does any header row name columns or groups out of the template's order?

    Within a row, a column label may come after one later in the template only where the template repeats its
    labels (四: the first column of the next group); groups must come in template order, each once. (A label
    printed twice side by side is a broken header, not an order.)"""
    repeats = len(lay.distinct) < len(lay.columns)
    for toks in tok_rows:
        kinds = [lay.distinct.index(str(t.target)) for t in toks if t.kind == "leaf"]
        for a, b in zip(kinds, kinds[1:]):
            if b < a and not (repeats and b == 0):
                return True
        groups = [lay.depth_first[id(t.target)] for t in toks if t.kind == "group"]
        if groups != sorted(set(groups)):
            return True
    return False


# --- where a table's header is -------------------------------------------------------------------------------


def header_rows(row: DataRow, layout: HeaderLayout, st: MatchSettings = DEFAULT) -> list[Row]:
    """The header printed above a data row: the label-only rows just before it that name a column or a group
    (lines between the header and the row that name neither, a page header say, are passed over)."""
    out: list[Row] = []
    for r in reversed(row.before):
        if recognised([c.text for c in r.cells], layout, st):
            out.append(r)
        elif out:
            break
    return out[::-1]


def read_rows(
    rows: Sequence[Row], layout: HeaderLayout, st: MatchSettings = DEFAULT, width: Optional[int] = None
) -> HeaderReading:
    """:func:`read_header` on grid rows. They are positional when every header row has the cell count of the data
    rows (``width``): a tab- or pipe-separated text keeps the grid's blank cells."""
    texts = [[c.text for c in r.cells] for r in rows]
    positional = width is not None and bool(texts) and all(len(t) == width for t in texts)
    return read_header(texts, layout, st, positional)


def table_header(rows: Sequence[DataRow], layout: HeaderLayout, st: MatchSettings, structured: bool) -> HeaderReading:
    """The header of a table: read above the first of its data rows that has one."""
    for r in rows:
        above = header_rows(r, layout, st)
        if above:
            return read_rows(above, layout, st, None if structured else len(r.row.cells))
    return HeaderReading()


def report(out: Placed, reading: HeaderReading, layout: HeaderLayout, key: str, st: MatchSettings) -> None:
    """The findings a header that departs from the template's order calls for."""
    if not reading.departs:
        return
    lay = _layout(layout)
    if reading.order is None:
        why = "; ".join(reading.notes) or f"a header cell fits no column label by {st.header_fit} or more"
        out.note(
            FindingKind.AMBIGUOUS,
            f"{key}: the header prints the columns out of the template's order and does not say with confidence "
            f"which column each is ({why}); left null",
            key,
        )
        return
    printed = ", ".join(lay.names[j] if j is not None else "?" for j in reading.order)
    if any(j is not None and j != i for i, j in enumerate(reading.order)):
        out.note(
            FindingKind.REORDERED,
            f"{key}: the columns are printed in another order than the template's ({printed}); each value is "
            "placed by its column's header",
            key,
        )
    for j in sorted(set(range(len(lay.columns))) - {j for j in reading.order if j is not None}):
        out.note(
            FindingKind.AMBIGUOUS,
            f"{key}: no header cell names the column '{lay.names[j]}' with confidence (similarity {st.header_fit} "
            f"or more) and position does not say which it is ({printed}); left null",
            key,
        )
