"""Labels wrapped very narrowly (PDF text whose label columns are 3-4 characters wide): the first fragments of
the group label and of the row label share the line with the row's numbers and the rest follow on lines of
their own. Every hand-labelled fixture rendered so, in tab- and in space-aligned text, gives every row by the
rules, 0 wrong."""

from __future__ import annotations

import json

import pytest

from conftest import gold_files
from formats import to_wrapped_text
from giar import extract
from giar.score import compare

GOLDS = gold_files("hard") + gold_files("seeds")


@pytest.mark.parametrize("layout", ["tabs", "spaces"])
@pytest.mark.parametrize("width", [3, 4])
def test_narrow_wrapped_labels_give_every_row(layout, width):
    wrong, missing = [], []
    for path in GOLDS:
        gold = json.loads(path.read_text(encoding="utf-8"))
        report = extract(to_wrapped_text(gold, width, layout).encode("utf-8"), name=path.name)
        score = compare(report, gold)
        wrong += [(path.name, f.key, f.gold, f.got) for f in score.fields if f.status == "wrong"]
        missing += [(path.name, f.key) for f in score.fields if f.status == "missing"]
    assert not wrong
    assert not missing


def test_the_rendering_really_wraps_group_and_row_label_onto_the_number_line():
    gold = json.loads(gold_files("hard")[0].read_text(encoding="utf-8"))
    text = to_wrapped_text(gold, 4, "tabs")
    # 三、本年度办理结果 and （一）予以公开 both start on the number line of granted and go on below it
    line = next(line for line in text.splitlines() if line.startswith("三、本年\t"))
    assert "（一）予" in line and line.split("\t")[-1].isdigit()


def test_wrapped_rows_are_placed_by_their_joined_label_not_by_position():
    gold = json.loads(gold_files("hard")[0].read_text(encoding="utf-8"))
    report = extract(to_wrapped_text(gold, 3, "tabs").encode("utf-8"))
    p = report.provenance["requests.partially_granted.total"]
    assert "join_label_fragments:columns" in p.repairs and "placed_by_position" not in p.repairs
