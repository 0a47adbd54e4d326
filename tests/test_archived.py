"""Archived page dumps (a web archiver drops every tag, so table cells run together): the hand-labelled
fixtures rendered as HTML with the tags dropped are read at ≥ 99% of the rows that cut one way, 0 wrong.

Which rows "cut one way" is counted here independently of giar: by brute force over every way to split a
row's printed digits, from the gold values."""

from __future__ import annotations

import itertools
import json

import pytest

from conftest import FIXTURES, gold_files
from formats import fmt_value, template_of, to_archived_text
from giar import extract
from giar.score import compare
from giar.template import REVIEW_COLUMNS, REVIEW_GROUPS

GOLDS = gold_files("hard") + gold_files("seeds")


def _ok(part: str, signed: bool, amount: bool) -> bool:
    if signed and part[:1] in "+-":
        part = part[1:]
    if amount and part.count(".") == 1:
        whole, frac = part.split(".")
        return whole.isdigit() and frac.isdigit() and (whole == "0" or whole[0] != "0")
    return part.isdigit() and (part == "0" or part[0] != "0")


def _splits(digits: str, n: int):
    for points in itertools.combinations(range(1, len(digits)), n - 1):
        bounds = (0, *points, len(digits))
        yield [digits[a:b] for a, b in itertools.pairwise(bounds)]


def count_cuts(printed: list[str], columns, summed: bool) -> int:
    digits = "".join(printed)
    n = 0
    for parts in _splits(digits, len(columns)):
        if not all(_ok(p, c.kind == "signed", c.kind == "amount") for p, c in zip(parts, columns)):
            continue
        if summed and sum(int(p) for p in parts[:-1]) != int(parts[-1]):
            continue
        n += 1
    return n


def count_review_cuts(printed: list[str]) -> int:
    k = len(REVIEW_COLUMNS)
    digits = "".join(printed)

    def rec(rest: str, groups: int) -> int:
        if groups == 1:
            return count_cuts([rest], REVIEW_COLUMNS, True)
        total = 0
        for cut in range(k, len(rest) - k * (groups - 1) + 1):
            head = count_cuts([rest[:cut]], REVIEW_COLUMNS, True)
            if head:
                total += head * rec(rest[cut:], groups - 1)
        return total

    return rec(digits, len(REVIEW_GROUPS))


def one_way_rows(gold: dict) -> list[tuple[str, list[str]]]:
    """(row key, its cell keys) of every row whose printed digits cut one way under the row's own rule."""
    tmpl = template_of(gold)
    out = []
    for table in ("active_disclosure", "requests"):
        for r in tmpl.tables[table].rows:
            vals = (gold[table].get(r.key) or {})
            printed = [fmt_value(vals.get(c.key), c) for c in r.columns]
            if any(p == "" for p in printed):
                continue
            if count_cuts(printed, r.columns, table == "requests") == 1:
                out.append((f"{table}.{r.key}", [f"{table}.{r.key}.{c.key}" for c in r.columns]))
    rl = gold["review_litigation"]
    printed = [fmt_value((rl.get(g.key) or {}).get(c.key), c) for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
    if all(printed) and count_review_cuts(printed) == 1:
        for g in REVIEW_GROUPS:
            out.append((f"review_litigation.{g.key}", [f"review_litigation.{g.key}.{c.key}" for c in REVIEW_COLUMNS]))
    return out


def test_the_independent_counter_agrees_with_a_hand_count():
    from giar.template import REQUEST_COLUMNS

    # 21710000218: 217|1|0|0|0|0|218 only (corpus 104); 220000022: 22|0… or 2|20… (two ways)
    assert count_cuts(["217", "1", "0", "0", "0", "0", "218"], REQUEST_COLUMNS, True) == 1
    assert count_cuts(["22", "0", "0", "0", "0", "0", "22"], REQUEST_COLUMNS, True) == 2


@pytest.fixture(scope="module")
def results():
    out = []
    for path in GOLDS:
        gold = json.loads(path.read_text(encoding="utf-8"))
        text = to_archived_text(gold)
        report = extract(text.encode("utf-8"), name=f"archived/{path.name}")
        out.append((path, gold, report))
    return out


def test_archived_dumps_give_no_wrong_number(results):
    wrong = []
    for path, gold, report in results:
        score = compare(report, gold)
        wrong += [(path.name, f.key, f.gold, f.got) for f in score.fields if f.status == "wrong"]
    assert not wrong


def test_archived_dumps_read_the_rows_that_cut_one_way(results):
    read = total = 0
    misses = []
    for path, gold, report in results:
        got = report.model_dump(mode="json")
        for row, keys in one_way_rows(gold):
            total += 1
            ok = all(got[k.split(".")[0]][k.split(".")[1]][k.split(".")[2]] is not None for k in keys)
            read += ok
            if not ok:
                misses.append(f"{path.name}:{row}")
    assert total > 100, total
    assert read / total >= 0.99, (read, total, misses)


def test_archived_dumps_read_meta_from_the_archive_header(results):
    for path, gold, report in results:
        assert report.meta.title == gold["meta"]["title"], path.name
        assert report.meta.organization == gold["meta"]["organization"], path.name
        assert report.meta.published == "2024-03-01"
        assert report.meta.source_url.startswith("https://")


def test_a_row_that_cuts_several_ways_is_null_with_a_finding_saying_how_many():

    text = (FIXTURES / "corpus" / "106_pingtan-zone-2020.txt").read_text(encoding="utf-8")
    report = extract(text.encode("utf-8"))
    assert report.active_disclosure["administrative_licensing"] == {"previous_count": None, "change": None, "decisions": None}
    said = [f.message for f in report.findings if f.key == "active_disclosure.administrative_licensing"]
    assert said and "28 cuts" in said[0]
    # 2648-18538: the sign pins the first cell whatever the rest cuts
    assert report.active_disclosure["administrative_penalty"]["previous_count"] == 2648
    assert report.active_disclosure["administrative_penalty"]["change"] is None


def test_cut_values_point_at_their_own_digits():
    path = FIXTURES / "corpus" / "104_pingtan-zone-2024.txt"
    report = extract(path)
    text = path.read_text(encoding="utf-8")
    p = report.provenance["requests.new_received.natural_person"]
    assert text[p.span[0] : p.span[1]] == "217" and "cut_glued_run" in p.repairs
    q = report.provenance["requests.denied_internal_affairs.total"]  # …3200000326.属于四类: 32, then label 6.
    assert text[q.span[0] : q.span[1]] == "32" and text[q.span[1]] == "6"


def _with_narrative(sentence: str, doc: str = "104_pingtan-zone-2024") -> bytes:
    """A corpus report with one sentence added to its overview (the table itself untouched)."""
    text = (FIXTURES / "corpus" / f"{doc}.txt").read_text(encoding="utf-8")
    anchor = "一、总体情况"
    return text.replace(anchor, anchor + sentence, 1).encode("utf-8")


def test_the_narrative_may_choose_among_the_cuts_of_printed_digits():
    # 行政规范性文件6233440 cuts 15 ways; "制发…62件，废止…33件" leaves one: 62 | 33 | 440 (as the published page prints)
    report = extract(_with_narrative("本年度制发行政规范性文件62件，废止行政规范性文件33件。"))
    assert report.active_disclosure["normative_documents"] == {"issued": 62, "repealed": 33, "in_force": 440}
    p = report.provenance["active_disclosure.normative_documents.in_force"]
    assert "cut_by_narrative" in p.repairs and p.text == "440"


def test_a_narrative_that_settles_nothing_or_disagrees_leaves_the_row_null():
    vague = extract(_with_narrative("本年度制发行政规范性文件62件。"))  # 62 | 3 | 3440, 62 | 33 | 440 … still four
    assert vague.active_disclosure["normative_documents"]["in_force"] is None
    # 105 prints 5845546 and states no count of its own: a stated 70 agrees with no cut
    wrong = extract(_with_narrative("本年度制发行政规范性文件70件。", "105_pingtan-zone-2025"))
    assert wrong.active_disclosure["normative_documents"]["issued"] is None
    assert any(f.kind == "narrative" and f.key == "active_disclosure.normative_documents" for f in wrong.findings)


def _swap_columns(page: str, table_index: int, header_row: int, header_cells: tuple[int, int], data: tuple[int, int], groups: int = 1) -> str:
    """The page with two columns of one table swapped, header and data alike (as a reordered table prints)."""
    from lxml import html as lxml_html

    doc = lxml_html.fromstring(page.encode("utf-8"))
    table = doc.findall(".//table")[table_index]
    rows = table.findall("tr")

    def swap(cells, a, b):
        cells[a].text, cells[b].text = cells[b].text, cells[a].text

    head = rows[header_row].findall("td")
    for g in range(groups):
        swap(head, header_cells[0] + 5 * g, header_cells[1] + 5 * g)
    for row in rows[header_row + 1 :]:
        cells = row.findall("td")
        if len(cells) >= abs(data[0]) and all((c.text or "").strip().lstrip("+-").replace(".", "").isdigit() or not (c.text or "").strip() for c in cells[data[0] :]):
            for g in range(groups):
                swap(cells, data[0] + 5 * g, data[1] + 5 * g)
    return lxml_html.tostring(doc, encoding="unicode")


@pytest.mark.parametrize("a, b", [(1, 5), (3, 4), (2, 5)])
def test_archived_table_with_reordered_columns_is_cut_in_printed_order(a, b):
    """三's sub-columns printed in another order (其他 before 法律服务机构 …), headers present: cut in the printed
    order and placed by the header; never a swapped value."""
    from formats import archive_page, to_html

    wrong = read = 0
    for path in gold_files("hard"):
        gold = json.loads(path.read_text(encoding="utf-8"))
        # requests table: header row 2 holds 商业企业…其他 (cells 0..4); data rows end with 7 value cells
        page = _swap_columns(to_html(gold), 1, 2, (a - 1, b - 1), (-7 + a, -7 + b))
        report = extract(archive_page(gold, page).encode("utf-8"))
        score = compare(report, gold)
        wrong += sum(f.status == "wrong" for f in score.fields)
        read += sum(f.status == "correct" and f.key.startswith("requests.") and f.gold not in (None, 0) for f in score.fields)
        placed = report.provenance.get("requests.new_received.natural_person")
        assert placed is None or "columns_by_header" in placed.repairs, path.name  # read only by its header
    assert wrong == 0
    assert read > 200


def test_archived_review_with_swapped_columns_in_every_group():
    from formats import archive_page, to_html

    for path in gold_files("hard"):
        gold = json.loads(path.read_text(encoding="utf-8"))
        # 四: header row 2 starts with 行政复议's five columns; swap 其他结果 and 尚未审结 in all three groups
        page = to_html(gold)
        page = _swap_columns(page, 2, 1, (2, 3), (-15 + 2, -15 + 3), groups=1)
        page = _swap_columns(page, 2, 2, (2, 3), (-10 + 2, -10 + 3), groups=2)
        report = extract(archive_page(gold, page).encode("utf-8"))
        score = compare(report, gold)
        assert not [f for f in score.fields if f.status == "wrong"], path.name
