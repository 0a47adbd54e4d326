"""Adversarial documents for issue 11: the hand-labelled hard golds rendered departing from the template's order.

Four classes, each rendered deterministically by :mod:`formats` (text, HTML, DOCX) from a gold of
tests/fixtures/hard and scored against that gold (:func:`giar.score.compare`): a value may be null, never wrong.

- ``columns``: columns printed in another order, header and data alike. On tabs_2021 and tabs_2019 every pair
  of 三's seven columns is swapped, every pair within each group of 四 and every pair of 四's groups, every
  pair of 二's columns; on every hard gold, the orders real reports print (其他 before 法律服务机构, 总计 first,
  法人或其他组织 before 自然人, 尚未审结 before 其他结果, the litigation groups swapped, 行政复议 last, 二 rotated).
- ``two_tables``: last year's table (every value ×3) printed beside this year's in each section, captioned
  with a year, 对照/上年度/同比 or 附, or not at all; an excerpt of it; two tables nothing tells apart.
- ``numbering``: a 栏次 row under every header (栏次 1 2 3 …, 甲 乙 丙, bare numbers, 1–5 per group of 四), and
  四's data row with a long label.
- ``decimals``: a third of the counts printed with a decimal part (2.000, 7.0, 13.00).

``python tests/adversarial.py`` prints, per class and format, documents and fields correct / wrong / null.
"""

from __future__ import annotations

import json
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any, Optional

import formats
from formats import Extra, Variant
from giar import Report, extract
from giar.score import compare
from giar.template import TABLES, TEMPLATES, Column

HARD = Path(__file__).parent / "fixtures" / "hard"
GOLDS = tuple(sorted(p.name[: -len(".gold.json")] for p in HARD.glob("*.gold.json")))
EXHAUSTIVE = ("tabs_2021", "tabs_2019")  # every pair of columns swapped
FORMATS = ("text", "html", "docx")
CLASSES = ("columns", "two_tables", "numbering", "decimals")


def gold_of(name: str) -> dict:
    return json.loads((HARD / f"{name}.gold.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Case:
    cls: str
    name: str
    gold: str
    variant: Variant
    null_tables: frozenset[str] = frozenset()  # tables the document leaves undetermined (all null expected)
    null_keys: frozenset[str] = frozenset()  # cells the document leaves undetermined


# --- columns ---------------------------------------------------------------------------------------------------


def swap(n: int, a: int, b: int) -> tuple[int, ...]:
    order = list(range(n))
    order[a], order[b] = order[b], order[a]
    return tuple(order)


def review_orders() -> list[tuple[int, ...]]:
    """Every pair of columns swapped within each group of 四, and every pair of groups swapped."""
    out = []
    for g in range(3):
        for a, b in combinations(range(5), 2):
            out.append(swap(15, 5 * g + a, 5 * g + b))
    for g, h in combinations(range(3), 2):
        blocks = [list(range(5 * k, 5 * k + 5)) for k in range(3)]
        blocks[g], blocks[h] = blocks[h], blocks[g]
        out.append(tuple(j for blk in blocks for j in blk))
    return out


def active_orders(a: int, b: int) -> dict[str, tuple[int, ...]]:
    """Columns a and b of every 二 subtable wide enough swapped."""
    return {f"active_disclosure:{w}": swap(w, a, b) for w in (2, 3) if b < w}


NAMED = (  # orders real reports print
    (
        "other_before_legal+pending_before_other+active_rotated",
        {
            "requests": swap(7, 4, 5),
            "review_litigation": tuple(j for g in range(3) for j in (5 * g, 5 * g + 1, 5 * g + 3, 5 * g + 2, 5 * g + 4)),
            "active_disclosure:3": (1, 2, 0),
            "active_disclosure:2": (1, 0),
        },
    ),
    ("total_first+litigation_swapped", {"requests": (6, 0, 1, 2, 3, 4, 5), "review_litigation": (*range(5), *range(10, 15), *range(5, 10))}),
    ("legal_persons_first+review_last", {"requests": (1, 2, 3, 4, 5, 0, 6), "review_litigation": (*range(5, 15), *range(5))}),
)


def column_cases() -> Iterator[Case]:
    pairs3 = list(combinations(range(7), 2))
    orders4 = review_orders()
    pairs2 = list(combinations(range(3), 2))
    for gold in EXHAUSTIVE:
        for k in range(max(len(pairs3), len(orders4))):
            a, b = pairs3[k % len(pairs3)]
            orders = {"requests": swap(7, a, b), "review_litigation": orders4[k % len(orders4)]}
            orders.update(active_orders(*pairs2[k % len(pairs2)]))
            yield Case("columns", f"{gold}/pairs{k}", gold, Variant(orders=orders))
    for gold in GOLDS:
        for name, orders in NAMED:
            yield Case("columns", f"{gold}/{name}", gold, Variant(orders=orders))


# --- two tables ------------------------------------------------------------------------------------------------


def scaled(values: Any) -> Any:
    """Last year's numbers: this year's ×3 (every equation still holds, every non-zero value differs)."""
    if isinstance(values, dict):
        return {k: scaled(v) for k, v in values.items()}
    return None if values is None else values * 3


EXCERPT = {
    "active_disclosure": ("regulations", "normative_documents"),
    "requests": ("new_received", "carried_over", "granted"),
    "review_litigation": None,
}


def year_variants(gold: dict) -> Iterator[tuple[str, Variant, frozenset[str]]]:
    y = gold["meta"]["year"]
    prior = {t: scaled(gold[t]) for t in TABLES}

    def every(caption: str, this: Optional[str] = None, after: bool = False, excerpt: bool = False) -> Variant:
        return Variant(
            caption={t: this for t in TABLES} if this else {},
            extra={t: (Extra(caption, prior[t], after, EXCERPT[t] if excerpt else None),) for t in TABLES},
        )

    yield "prior_before_year_and_comparison", every(f"{y - 1}年度情况（对照）", f"{y}年度情况"), frozenset()
    yield "prior_before_comparison_only", every("上年度情况（对照）"), frozenset()
    yield "excerpt_before", every("上年同期数据（对照）", excerpt=True), frozenset()
    yield "prior_after_appendix", every(f"附：{y - 1}年度数据", after=True), frozenset()
    yield "years_only", every(f"{y - 1}年", f"{y}年"), frozenset()
    yield "this_year_named_only", every("", f"{y}年度统计情况"), frozenset()
    yield "uncaptioned_excerpt_before", every("", excerpt=True), frozenset(TABLES)
    yield "twins", every(""), frozenset(TABLES)


def two_table_cases() -> Iterator[Case]:
    for gold in GOLDS:
        for name, variant, nulls in year_variants(gold_of(gold)):
            yield Case("two_tables", f"{gold}/{name}", gold, variant, nulls)


# --- numbering rows and decimals -------------------------------------------------------------------------------

LONG_LABEL = "本年度政府信息公开行政复议和行政诉讼案件办理情况"
NUMBERINGS = (
    ("lanci", Variant(numbering={"active_disclosure": "lanci", "requests": "lanci", "review_litigation": "plain"})),
    ("letters", Variant(numbering={"active_disclosure": "letters", "requests": "letters", "review_litigation": "repeated"})),
    ("plain", Variant(numbering={"active_disclosure": "plain", "requests": "plain", "review_litigation": "plain"})),
    (
        "long_label",
        Variant(
            numbering={"requests": "lanci", "review_litigation": "repeated"},
            label={"review_litigation": LONG_LABEL},
        ),
    ),
)


def numbering_cases() -> Iterator[Case]:
    for gold in GOLDS:
        for name, variant in NUMBERINGS:
            yield Case("numbering", f"{gold}/{name}", gold, variant)


def decimal(key: str) -> Optional[str]:
    """The decimal part printed after a count (a third of the cells, chosen by their key), or None."""
    h = zlib.crc32(key.encode("utf-8"))
    return (".000", ".0", ".00")[h // 3 % 3] if h % 3 == 0 else None


def with_decimals(key: str, value: Any, column: Column) -> str:
    text = formats.fmt_value(value, column)
    part = decimal(key) if column.kind == "count" and value is not None else None
    return text + part if part else text


def decimal_cases() -> Iterator[Case]:
    for gold in GOLDS:
        g = gold_of(gold)
        marked = frozenset(
            f"{name}.{r.key}.{c.key}"
            for name, spec in TEMPLATES[g["meta"]["template"]].tables.items()
            for r in spec.rows
            for c in r.columns
            if c.kind == "count" and decimal(f"{name}.{r.key}.{c.key}") and _gold_value(g, f"{name}.{r.key}.{c.key}") is not None
        )
        yield Case("decimals", f"{gold}/a_third_of_counts", gold, Variant(fmt=with_decimals), null_keys=marked)


def _gold_value(gold: dict, key: str) -> Any:
    table, row, col = key.split(".")
    return (gold[table].get(row) or {}).get(col)


def cases(cls: Optional[str] = None) -> list[Case]:
    every = {"columns": column_cases, "two_tables": two_table_cases, "numbering": numbering_cases, "decimals": decimal_cases}
    return [c for name, make in every.items() if cls in (None, name) for c in make()]


# --- rendering and scoring -------------------------------------------------------------------------------------


def render(case: Case, fmt: str, out: Path) -> Path:
    gold = gold_of(case.gold)
    stem = case.name.replace("/", "__")
    if fmt == "text":
        path = out / f"{stem}.txt"
        path.write_text(formats.to_text(gold, case.variant), encoding="utf-8")
        return path
    if fmt == "html":
        path = out / f"{stem}.html"
        path.write_text(formats.to_html(gold, variant=case.variant), encoding="utf-8")
        return path
    return formats.to_docx(gold, out / f"{stem}.docx", variant=case.variant)


@dataclass
class Tally:
    documents: int = 0
    correct: int = 0
    wrong: int = 0
    null: int = 0
    wrong_fields: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # (case, key, gold, got)
    unexpected_nulls: list[tuple[str, str]] = field(default_factory=list)  # null where the document determines
    unexpected_reads: list[tuple[str, str]] = field(default_factory=list)  # read (rightly) where it does not


def score(case: Case, report: Report, tally: Tally) -> None:
    gold = gold_of(case.gold)
    result = compare(report, gold)
    tally.documents += 1
    for f in result.fields:
        if f.key.startswith("meta."):
            continue
        if f.status == "wrong":
            tally.wrong += 1
            tally.wrong_fields.append((case.name, f.key, f.gold, f.got))
        elif f.status == "missing":
            tally.null += 1
            if f.key.split(".")[0] not in case.null_tables and f.key not in case.null_keys:
                tally.unexpected_nulls.append((case.name, f.key))
        else:
            tally.correct += 1
            if (f.key.split(".")[0] in case.null_tables or f.key in case.null_keys) and f.gold is not None:
                tally.unexpected_reads.append((case.name, f.key))


def run(cls: str, fmt: str, out: Path, every: int = 1) -> Tally:
    """Render and score the class's cases in one format (``every``: only every n-th case, for a quicker run)."""
    tally = Tally()
    for case in cases(cls)[::every]:
        score(case, extract(render(case, fmt, out)), tally)
    return tally


def main() -> None:
    """Per class and format: documents, fields correct / wrong / null, and of the nulls those where the document
    does determine the value (recall lost; the others are cells it leaves undetermined)."""
    print(f"{'class':<12}{'format':<8}{'documents':>10}{'correct':>10}{'wrong':>8}{'null':>8}{'of which determined':>22}")
    with tempfile.TemporaryDirectory() as tmp:
        for cls in CLASSES:
            for fmt in FORMATS:
                t = run(cls, fmt, Path(tmp))
                lost = len(t.unexpected_nulls)
                print(f"{cls:<12}{fmt:<8}{t.documents:>10}{t.correct:>10}{t.wrong:>8}{t.null:>8}{lost:>22}")
                for w in t.wrong_fields[:5]:
                    print("    wrong", w)


if __name__ == "__main__":
    main()
