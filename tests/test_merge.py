"""The merge of an LLM answer (giar.repair.merge): what may enter the report, and what must never.

Unit cases build one table by hand (section 四, one group) so each guard is seen alone; the end-to-end cases
run the pipeline against simulated models (giar.testing.simulate) behind a local server: the oracle must fill
what the reader's evidence allows, and no adversarial answer may put one wrong number into a report. Each
test here fails when the guard it names is removed (a no-op merge, open clean or inferred cells, no check
after the merge, no inference after it, no agreement check).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from giar import extract, trace
from giar.model import Provenance, RepairOutcome, Token
from giar.pipeline import Cells, check, collect, fill
from giar.repair import LLMConfig
from giar.repair.merge import merge, open_cells
from giar.repair.reading import Reading, Seen
from giar.score import compare, load_gold
from giar.status import RowStatus
from giar.testing.bench import find_fixtures
from giar.testing.simulate import KINDS, SimulatedModel

COLS = ("upheld", "corrected", "other", "pending", "total")
ROW = "review_litigation.review"


def _case(printed: list[int], columns_seen: bool = True) -> tuple[Reading, Cells]:
    """Section 四's first group printed on one line the rules could not place: tokens 0.. in order."""
    tokens = [Token(id=i, text=str(v), value=v, span=(100 + 10 * i, 101 + 10 * i)) for i, v in enumerate(printed)]
    seen = {
        t.id: Seen(line=0, pos=t.id, row="review", column=COLS[t.id] if columns_seen else None) for t in tokens
    }
    reading = Reading("review_litigation", "2021", tokens, seen, in_order=True, one_row_per_line=True)
    cells = Cells()
    for col in COLS:
        cells.values[f"{ROW}.{col}"] = None
    cells.status[ROW] = RowStatus.AMBIGUOUS
    return reading, cells


def _answer(reading: Reading, placed: dict[str, int]) -> RepairOutcome:
    tokens = {t.id: t for t in reading.tokens}
    values = {f"{ROW}.{c}": None for c in COLS}
    prov = {}
    for col, tid in placed.items():
        values[f"{ROW}.{col}"] = tokens[tid].value
        prov[f"{ROW}.{col}"] = Provenance(method="llm", span=tokens[tid].span, text=tokens[tid].text)
    return RepairOutcome(accepted=True, values=values, provenance=prov)


def test_an_answer_that_agrees_with_the_reader_is_merged():
    reading, cells = _case([1, 2, 3, 4, 10])
    done = merge(reading, _answer(reading, dict(zip(COLS, range(5)))), cells, set(), "test")
    assert done.accepted and done.merged == sorted(f"{ROW}.{c}" for c in COLS)
    assert [cells.values[f"{ROW}.{c}"] for c in COLS] == [1, 2, 3, 4, 10]  # a no-op merge fails here
    assert cells.prov[f"{ROW}.total"]["method"] == "llm" and cells.prov[f"{ROW}.total"]["span"] == (140, 141)


def test_a_merged_table_that_breaks_a_new_rule_is_rolled_back_whole():
    reading, cells = _case([1, 2, 3, 4, 99])  # 1 + 2 + 3 + 4 != 99: the reader's columns, a broken sum
    done = merge(reading, _answer(reading, dict(zip(COLS, range(5)))), cells, set(), "test")
    assert not done.accepted and not done.merged
    assert all(cells.values[f"{ROW}.{c}"] is None for c in COLS)  # nothing half-merged
    assert any("rolled back whole" in f.message and "rule4:review" in f.message for f in done.findings)
    # ... unless the rules' reading already broke that rule: then the source breaks it, not the answer
    reading, cells = _case([1, 2, 3, 4, 99])
    assert merge(reading, _answer(reading, dict(zip(COLS, range(5)))), cells, {"rule4:review"}, "test").accepted


def test_inference_runs_again_after_the_merge():
    reading, cells = _case([1, 2, 3, 4])  # total printed blank
    done = merge(reading, _answer(reading, dict(zip(COLS[:4], range(4)))), cells, set(), "test")
    assert done.accepted and done.inferred == [f"{ROW}.total"]
    assert cells.values[f"{ROW}.total"] == 10 and cells.prov[f"{ROW}.total"]["method"] == "inferred"


def test_a_column_the_reader_did_not_see_needs_an_equation():
    reading, cells = _case([1, 2, 3, 10], columns_seen=False)  # four numbers, five columns, the blank unknown
    wrong = {"upheld": 0, "corrected": 1, "other": 2, "total": 3}  # the blank put under 'pending': 1+2+3 = ... 10?
    done = merge(reading, _answer(reading, wrong), cells, set(), "test")
    # pending stays unknown, so rule 4 cannot be checked: no number whose column nobody saw is merged
    assert not done.accepted and sorted(done.dropped) == sorted(f"{ROW}.{c}" for c in wrong)
    assert all(cells.values[f"{ROW}.{c}"] is None for c in COLS)


@pytest.mark.parametrize(
    "placed,why",
    [
        ({"upheld": 1, "corrected": 0, "other": 2, "pending": 3, "total": 4}, "stands under column"),  # swapped
        ({"upheld": 0, "corrected": 1, "other": 2, "pending": 3, "total": 4, "extra": 9}, "stands on the line"),
    ],
)
def test_an_answer_that_moves_a_number_the_reader_placed_is_rejected_whole(placed, why):
    reading, cells = _case([1, 2, 3, 4, 10])
    if "extra" in placed:  # a number the reader saw on another row's line
        del placed["extra"]
        reading.tokens.append(Token(id=9, text="7", value=7, span=(500, 501)))
        reading.seen[9] = Seen(line=3, pos=0, row="litigation_direct", column="upheld")
        placed["total"] = 9
    done = merge(reading, _answer(reading, placed), cells, set(), "test")
    assert not done.accepted and any(why in f.message for f in done.findings)
    assert all(cells.values[f"{ROW}.{c}"] is None for c in COLS)


def test_order_catches_a_swap_of_columns_nobody_saw():
    reading, cells = _case([1, 2, 3, 4, 10], columns_seen=False)
    swapped = {"upheld": 1, "corrected": 0, "other": 2, "pending": 3, "total": 4}  # 2 + 1 + 3 + 4 = 10 still
    done = merge(reading, _answer(reading, swapped), cells, set(), "test")
    assert not done.accepted and any("printed after" in f.message for f in done.findings)


# --- open cells: what an answer may set at all ------------------------------------------------------------


def _rules_cells(path: Path):
    t = trace(path)
    template = t.report.meta.template
    cells, _ = collect(t.placed)
    check(cells, template)
    fill(cells, template)
    return template, cells


def test_open_cells_never_include_a_clean_or_inferred_value():
    template, cells = _rules_cells(FIXTURES / "seeds" / "003.txt")  # rows lost at a page break: inferred
    opened = open_cells("requests", template, cells)
    inferred = {k for k, p in cells.prov.items() if p.get("method") == "inferred" and k.startswith("requests.")}
    clean = {k for k, p in cells.prov.items() if p.get("method") == "rules" and k.startswith("requests.")}
    assert inferred and clean
    assert not opened & (inferred | clean)

    template, cells = _rules_cells(FIXTURES / "regressions" / "b5_swapped_rows_denied78.txt")
    opened = open_cells("requests", template, cells)
    flagged = {k for k in cells.values if k.startswith(("requests.denied_enforcement_files.", "requests.denied_administrative_query."))}
    assert opened == flagged  # exactly the two rows the rules could not place


# --- end to end: simulated models through the real client --------------------------------------------------

# documents where the rules leave cells a perfect model can fill (each kind of evidence: labels, a line of
# fifteen numbers, a structured table), and a clean one
DOCS = [
    "b5_swapped_rows_denied78.txt",
    "b3_spaces_review_blank.txt",
    "b2b_pipes_lost_total.md",
    "b2c_label_above_blank_total_011.txt",
    "009_shanghai-gov-office-2025.md",
    "tabs_2021.txt",
]


@pytest.fixture(scope="module")
def fixtures():
    found = {d.name: (d, g) for d, g in find_fixtures([str(FIXTURES)])}
    return [found[n] for n in DOCS]


def _run(name: str, fixtures) -> tuple[int, int, int]:
    """(fields filled, wrong fields merged, LLM calls) over the documents, against the rules path."""
    model = SimulatedModel(name)
    filled = wrong = calls = 0
    with model.serve() as srv:
        cfg = LLMConfig(base_url=srv.url, model=name, cache_path=None, max_retries=0, validation_retries=1, max_elapsed=20)
        for doc, gold_path in fixtures:
            gold = load_gold(gold_path)
            rules = {f.key: f for f in compare(extract(doc), gold).fields}
            with model.document(gold):
                report = extract(doc, llm=cfg)
            calls += report.usage.calls
            for f in compare(report, gold).fields:
                filled += rules[f.key].got is None and f.got is not None
                wrong += f.status == "wrong" and f.got != rules[f.key].got
    return filled, wrong, calls


def test_the_oracle_fills_what_the_reader_allows(fixtures):
    filled, wrong, calls = _run("oracle", fixtures)
    assert wrong == 0
    assert filled >= 35 and calls >= 3  # a no-op merge, or no inference after it, fills far fewer


@pytest.mark.parametrize("kind", KINDS)
def test_no_adversarial_answer_merges_a_wrong_number(kind, fixtures):
    _filled, wrong, calls = _run(f"adversarial:{kind}", fixtures)
    assert wrong == 0, f"{kind}: {wrong} wrong fields merged"
    assert calls >= 3  # the answers were asked for and given


def test_two_models_agreeing_keep_only_the_cells_both_cite():
    from giar.repair.stage import agreed

    reading, _ = _case([1, 2, 3, 4, 10])
    one = _answer(reading, dict(zip(COLS, range(5))))
    other = _answer(reading, {"upheld": 0, "corrected": 1, "other": 3, "pending": 2, "total": 4})  # two differ
    both = agreed("review_litigation", one, other)
    assert both.accepted and sorted(both.provenance) == [f"{ROW}.corrected", f"{ROW}.total", f"{ROW}.upheld"]
    assert both.values[f"{ROW}.other"] is None and both.values[f"{ROW}.total"] == 10
    assert any("agree on 3 cell(s); 4 cell(s)" in f.message for f in both.findings)
    refused = one.model_copy(update={"accepted": False, "values": {}, "provenance": {}})
    assert not agreed("review_litigation", one, refused).accepted  # no second answer, nothing merged
