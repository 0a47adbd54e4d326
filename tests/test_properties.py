"""Property tests (issue 15 item 6): hypothesis perturbs the hand-labelled fixtures the ways real documents
differ (labels wrapped at random widths, whitespace, a row dropped or duplicated, two digits swapped, page
furniture, cells run together) and checks, for every variant:

* no exception escapes;
* every non-null value the rules read parses, after the documented normalisations, from the text at its
  provenance span (inferred values have none);
* where every rule holds on a variant whose printed numbers are unchanged, every non-null value equals gold
  (a dropped row's gold is null, unless the arithmetic infers it back).

Example counts are kept small so the suite stays within minutes on two cores (derandomized: CI sees the same
examples each run); benchmarks/fuzz_readers.py runs the long search.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from giar import GiarError, InternalError, trace
from giar.score import compare
from giar.status import FindingKind
from perturb import GOLDS, OPS, Variant, make, provenance_problems

# A row dropped and another duplicated in one variant: the fragments of the dropped row's neighbour join the
# duplicate's label, which then matches the dropped row (and the duplicate fills the next one), while the dropped
# rows leave 三's equations unevaluable: a wrong number with every rule holding (match/labels.py's fragment
# joining; left to the matchers). The long fuzz run counts these apart; the case is pinned by the xfail below.
KNOWN_ISSUE = {"drop_row", "duplicate_row"}

PROFILE = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow], database=None
)


@st.composite
def variants(draw, ops=OPS) -> Variant:
    index = draw(st.integers(0, len(GOLDS) - 1))
    width = draw(st.integers(2, 16))
    layout = draw(st.sampled_from(["tabs", "spaces"]))
    chosen = draw(st.lists(st.sampled_from(ops), min_size=1, max_size=3).filter(lambda c: not KNOWN_ISSUE <= set(c)))

    def draw_int(lo: int, hi: int) -> int:
        return draw(st.integers(lo, max(lo, hi)))

    return make(index, width, layout, chosen, draw_int)


def check(variant: Variant) -> None:
    t = trace(variant.text, name=variant.name)  # no exception may escape
    report = t.report
    assert report is not None
    problems = provenance_problems(report, t.document.text)
    assert not problems, (variant.name, variant.ops, problems)
    holds = not any(f.kind is FindingKind.ARITHMETIC for f in report.findings)
    if holds and variant.numbers_kept:
        expected = variant.expected()
        score = compare(report, expected)
        wrong = [
            (f.key, f.gold, f.got)
            for f in score.fields
            if f.status == "wrong"
            and not f.key.startswith("meta.")
            and not (
                f.gold is None  # a dropped row the arithmetic fills back with its printed value
                and f.key.rsplit(".", 1)[0] in variant.dropped
                and report.provenance[f.key].method == "inferred"
            )
        ]
        assert not wrong, (variant.name, variant.width, variant.layout, variant.ops, wrong)


@PROFILE
@given(variants())
def test_perturbed_fixtures_keep_provenance_and_gold(variant):
    check(variant)


@PROFILE
@given(variants(ops=("whitespace", "furniture", "crlf")))
def test_layout_noise_alone_never_changes_a_value(variant):
    check(variant)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(GOLDS), st.binary(max_size=64), st.integers(0, 10_000), st.sampled_from(["insert", "overwrite", "cut"]))
def test_byte_level_damage_gives_a_report_or_a_typed_error(gold, junk, at, how):
    """Random bytes written into a fixture's text: a Report, or a GiarError that is not a bug."""
    data = gold.with_name(gold.name.replace(".gold.json", "")).with_suffix(".txt")
    if not data.exists():
        data = next(gold.parent.glob(gold.name.replace(".gold.json", ".*[!n]")))
    raw = data.read_bytes()
    at = at % (len(raw) + 1)
    if how == "insert":
        raw = raw[:at] + junk + raw[at:]
    elif how == "overwrite":
        raw = raw[:at] + junk + raw[at + len(junk) :]
    else:
        raw = raw[:at]
    try:
        trace(raw, name=data.name)
    except InternalError:
        raise
    except GiarError:
        pass


def test_the_perturbations_do_what_they_say():
    """A dropped row's line is gone, a swap changes a number, and the unperturbed rendering gives gold."""
    picks = iter([0, 3, 0, 0])
    v = make(0, 40, "tabs", ["drop_row"], lambda lo, hi: max(lo, min(hi, next(picks, lo))))
    assert v.dropped and v.numbers_kept
    plain = make(0, 40, "tabs", [], lambda lo, hi: lo)
    assert len(plain.text.splitlines()) == len(v.text.splitlines()) + 1
    s = make(0, 40, "tabs", ["swap_digits"], lambda lo, hi: lo)
    assert not s.numbers_kept and s.text != plain.text
    check(plain)


@pytest.mark.parametrize("op", [o for o in OPS if o != "crlf"])
def test_each_perturbation_alone_on_every_fixture(op):
    """Every perturbation once on every fixture (a fixed choice), so each is exercised whatever hypothesis draws."""
    for index in range(len(GOLDS)):
        check(make(index, 4 + index % 9, "tabs" if index % 2 else "spaces", [op], lambda lo, hi: (lo + hi) // 2))


@pytest.mark.xfail(strict=True, reason="known: a dropped row plus a duplicated neighbour is matched by joined label fragments")
def test_known_issue_dropped_row_and_duplicated_neighbour():
    """Found by benchmarks/fuzz_readers.py: blanks_inferable wrapped at 6, （六）2. and （四）3. dropped, （六）3.其他
    duplicated: the first 3.其他 takes 2.'s place with its own numbers (36 for 61) and the rules cannot see it."""
    import random

    index = [g.name for g in GOLDS].index("blanks_inferable.gold.json")
    rng = random.Random(6)
    check(make(index, 6, "tabs", ["crlf", "drop_row", "drop_row", "duplicate_row"], lambda lo, hi: rng.randint(lo, max(lo, hi))))
