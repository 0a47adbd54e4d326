"""Issue 11: documents that depart from the template's order give no wrong number (tests/adversarial.py).

Every class of departure, rendered from the hard golds in text, HTML and DOCX, is scored against its gold: no
value may differ from the gold; a value is null only where the document leaves it undetermined (two tables
nothing tells apart, a count printed with a decimal part), and there it must be null. DOCX is slow to write,
so it runs every third case (``python tests/adversarial.py`` runs them all and prints the tally).
"""

from __future__ import annotations

import pytest

import adversarial
import formats
from giar import extract, trace
from giar.match.columns import map_columns, read_header
from giar.match.settings import MatchSettings
from giar.model import Cell
from giar.score import compare
from giar.status import FindingKind
from giar.template import REQUEST_HEADER, REVIEW_HEADER, TABLES

EVERY = {"text": 1, "html": 1, "docx": 3}


@pytest.mark.parametrize("fmt", adversarial.FORMATS)
@pytest.mark.parametrize("cls", adversarial.CLASSES)
def test_no_wrong_number_and_null_only_where_undetermined(cls, fmt, tmp_path):
    tally = adversarial.run(cls, fmt, tmp_path, EVERY[fmt])
    assert tally.documents > 0
    assert not tally.wrong_fields, tally.wrong_fields[:10]
    assert not tally.unexpected_nulls, tally.unexpected_nulls[:10]
    assert not tally.unexpected_reads, tally.unexpected_reads[:10]


def _case(name: str) -> adversarial.Case:
    return next(c for c in adversarial.cases() if c.name == name)


def _extract(case: adversarial.Case, fmt: str, tmp_path):
    return extract(adversarial.render(case, fmt, tmp_path))


# --- columns by their headers ----------------------------------------------------------------------------------

L4 = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def test_map_columns_reads_the_standard_headers_as_the_template_order():
    flat3 = ["申请人情况", "自然人", "法人或其他组织", "总计", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert map_columns(flat3, REQUEST_HEADER) == tuple(range(7))
    rows4 = [["行政复议", "行政诉讼"], L4 + ["未经复议直接起诉", "复议后起诉"], L4 * 3]  # HTML: rowspans repeated
    assert map_columns(rows4, REVIEW_HEADER) == tuple(range(15))


def test_map_columns_follows_a_reordered_header():
    rows3 = [["自然人", "法人或其他组织", "总计"], ["商业企业", "科研机构", "社会公益组织", "其他", "法律服务机构"]]
    assert map_columns(rows3, REQUEST_HEADER) == (0, 1, 2, 3, 5, 4, 6)
    swapped = [["行政复议", "行政诉讼"], L4 + ["复议后起诉", "未经复议直接起诉"], L4 * 3]
    assert map_columns(swapped, REVIEW_HEADER) == (*range(5), *range(10, 15), *range(5, 10))
    flat = ["行政复议", "行政诉讼", *L4, "复议后起诉", "未经复议直接起诉", *L4, *L4]  # one run of texts
    assert map_columns(flat, REVIEW_HEADER) == (*range(5), *range(10, 15), *range(5, 10))


def test_header_threshold_is_the_settings_one():
    """A header cell names a column when its similarity reaches MatchSettings.header_fit (0.8 by default):
    社会公益组识 (one character wrong of six: 0.83) does, 社会团体 (0.4) does not."""
    st = MatchSettings()
    assert st.header_fit == 0.8
    top = ["自然人", "法人或其他组织", "总计"]
    typo = [top, ["商业企业", "科研机构", "社会公益组识", "其他", "法律服务机构"]]
    assert map_columns(typo, REQUEST_HEADER, st) == (0, 1, 2, 3, 5, 4, 6)
    far = [top, ["商业企业", "科研机构", "社会团体", "其他", "法律服务机构"]]
    assert map_columns(far, REQUEST_HEADER, st) == (0, 1, 2, None, 5, 4, 6)
    strict = MatchSettings(header_fit=0.9)
    assert map_columns(typo, REQUEST_HEADER, strict) == (0, 1, 2, None, 5, 4, 6)


def _garbled(tmp_path, label: str, fmt: str):
    """tabs_2021 with 其他 printed before 法律服务机构 (header and data), and 社会公益组织's header replaced."""
    case = _case("tabs_2021/other_before_legal+pending_before_other+active_rotated")
    gold = adversarial.gold_of("tabs_2021")
    if fmt == "text":
        text = formats.to_text(gold, case.variant).replace("社会公益组织", label)
        return extract(text)
    page = formats.to_html(gold, variant=case.variant).replace(">社会公益组织<", f">{label}<")
    return extract(page.encode("utf-8"), name="r.html")


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_a_column_whose_header_is_not_confident_is_null_when_the_order_departs(tmp_path, fmt):
    report = _garbled(tmp_path, "社会团体", fmt)
    gold = adversarial.gold_of("tabs_2021")
    score = compare(report, gold)
    assert score.overall.wrong == 0
    nulls = {f.key for f in score.fields if f.status == "missing" and f.key.startswith("requests.")}
    assert nulls and all(k.endswith(".social_welfare") for k in nulls)
    assert report.requests["new_received"]["other"] == gold["requests"]["new_received"]["other"]
    assert any(f.kind == FindingKind.AMBIGUOUS and "social_welfare" not in f.message and "社会公益组织" in f.message for f in report.findings)
    # the arithmetic never fills a column the header left undetermined
    assert all(report.provenance.get(f"requests.{r}.social_welfare") is None for r in report.requests)
    typo = _garbled(tmp_path, "社会公益组识", fmt)
    assert compare(typo, gold).overall.missing == 0


def test_reordered_columns_are_placed_by_header_and_said(tmp_path):
    report = _extract(_case("tabs_2019/total_first+litigation_swapped"), "text", tmp_path)
    assert compare(report, adversarial.gold_of("tabs_2019")).fully_correct
    reordered = {f.key for f in report.findings if f.kind == FindingKind.REORDERED}
    assert {"requests", "review_litigation"} <= reordered
    assert "placed_by_header" in report.provenance["requests.new_received.total"].repairs
    assert "placed_by_header" in report.provenance["review_litigation.litigation_direct.total"].repairs


def test_the_standard_order_gives_no_reordering_finding():
    report = extract(adversarial.HARD / "tabs_2021.txt")
    assert not [f for f in report.findings if f.kind == FindingKind.REORDERED]


# --- which table is this year's --------------------------------------------------------------------------------


def test_last_years_table_is_not_read_and_is_said(tmp_path):
    report = _extract(_case("tabs_2021/prior_before_year_and_comparison"), "html", tmp_path)
    assert compare(report, adversarial.gold_of("tabs_2021")).fully_correct
    assert {f.key for f in report.findings if f.kind == FindingKind.OTHER_TABLE} == set(TABLES)


def test_two_tables_nothing_tells_apart_are_both_null_and_never_inferred(tmp_path):
    report = _extract(_case("tabs_2021/twins"), "text", tmp_path)
    for table in TABLES:
        assert all(v is None for row in getattr(report, table).values() for v in row.values()), table
        assert any(f.kind == FindingKind.AMBIGUOUS and f.key == table for f in report.findings)
    assert not [k for k in report.provenance if k.split(".")[0] in TABLES]


# --- numbering rows and decimals -------------------------------------------------------------------------------


def test_numbering_rows_are_skipped_and_named(tmp_path):
    t = trace(adversarial.render(_case("tabs_2021/long_label"), "text", tmp_path))
    assert "skip_numbering_row" in t.grids["review_litigation"].repairs
    assert "skip_numbering_row" in t.grids["requests"].repairs
    assert compare(t.report, adversarial.gold_of("tabs_2021")).fully_correct


def test_a_count_with_a_decimal_part_is_null_with_a_finding():
    text = (adversarial.HARD / "tabs_2021.txt").read_text(encoding="utf-8").replace("\t192\t63\t", "\t192.000\t63\t", 1)
    report = extract(text)
    assert report.requests["new_received"]["commercial"] is None
    assert any(f.kind == FindingKind.AMBIGUOUS and f.key == "requests.new_received.commercial" for f in report.findings)
    assert report.provenance.get("requests.new_received.commercial") is None  # not inferred from the row's total


def test_two_garbled_header_cells_swapped_are_null_not_read_by_position():
    """Every other column in its place, two labels below the threshold and printed in each other's places:
    position cannot say which is which (社会团体 resembles 社会公益组织, printed where 科研机构 belongs)."""
    top = ["自然人", "法人或其他组织", "总计"]
    swapped = [top, ["商业企业", "社会团体", "科学院所", "法律服务机构", "其他"]]
    assert map_columns(swapped, REQUEST_HEADER) == (0, 1, None, None, 4, 5, 6)
    reading = read_header(swapped, REQUEST_HEADER)
    cells = [Cell(text=str(k), span=(k, k + 1)) for k in range(7)]
    assert reading.departs and reading.arrange(cells)[1] == {2, 3}
    in_place = [top, ["商业企业", "科学院所", "社会团体", "法律服务机构", "其他"]]
    assert not read_header(in_place, REQUEST_HEADER).departs  # in their own places: position stands


# --- the same departures in a web archiver's dump (cells run together: match/runs.py) ---------------------------


def _archived(case: adversarial.Case):
    return extract(formats.to_archived_text(adversarial.gold_of(case.gold), variant=case.variant).encode(), name="a.txt")


def test_archived_dumps_of_reordered_columns_give_no_wrong_number():
    """The run-together matcher cuts runs in template order, so a table whose header (read by match/columns)
    departs from it is not cut: null, never a number cut in the wrong columns."""
    tally = adversarial.Tally()
    for case in adversarial.cases("columns")[::4]:
        adversarial.score(case, _archived(case), tally)
    assert tally.documents > 0 and not tally.wrong_fields, tally.wrong_fields[:10]


def test_archived_dump_with_last_years_table_gives_no_wrong_number():
    tally = adversarial.Tally()
    adversarial.score(_case("tabs_2021/prior_before_year_and_comparison"), _archived(_case("tabs_2021/prior_before_year_and_comparison")), tally)
    assert not tally.wrong_fields
