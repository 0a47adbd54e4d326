"""The house rules of the code base, checked: stages decide on typed status, never on words; template wording
lives in template.py only; the extraction path never imports the measuring tools."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "giar"
CJK = re.compile(r"[\u3400-\u9fff]")


def _modules():
    return sorted(SRC.rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }


def test_no_chinese_string_literal_outside_template():
    found = []
    for path in _modules():
        if path.name == "template.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                if CJK.search(node.value):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.value[:30]!r}")
    assert not found, "template wording outside template.py:\n" + "\n".join(found)


def _is_finding_field(node: ast.AST) -> bool:
    """``x.kind`` where x is a finding, or ``x.message``: what a decision must not compare to a literal."""
    return isinstance(node, ast.Attribute) and node.attr in ("kind", "message")


def _literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(_literal(e) for e in node.elts)


def test_no_decision_reads_a_finding_kind_or_message_as_a_string():
    """``f.kind == "arithmetic"``, ``"no recorded" in f.message``: rewording must never change a value."""
    found = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            if any(_is_finding_field(s) for s in sides) and any(_literal(s) for s in sides):
                # parse_value(...).kind and Column.kind are value kinds, not finding kinds
                text = ast.unparse(node)
                if re.search(r"\b(f|finding|why|note)\.(kind|message)\b", text):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno} {text}")
    assert not found, "decisions on finding text:\n" + "\n".join(found)


def test_the_check_above_catches_what_it_is_meant_to(tmp_path):
    """The literal check must not be vacuous: it flags the forms it forbids."""
    tree = ast.parse('if f.kind == "ambiguous": pass\nif "no recorded" in f.message: pass\n')
    hits = [
        n for n in ast.walk(tree) if isinstance(n, ast.Compare)
        and any(_is_finding_field(s) for s in [n.left, *n.comparators])
        and any(_literal(s) for s in [n.left, *n.comparators])
    ]
    assert len(hits) == 2


def test_extraction_path_does_not_import_the_testing_package():
    code = (
        "import sys, giar; giar.extract('tests/fixtures/seeds/000.txt'); "
        "bad = [m for m in sys.modules if m.startswith(('giar.testing', 'vcr', 'openai', 'instructor'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    root = SRC.parents[1]
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_matcher_has_one_signature_and_one_settings_object():
    import inspect

    from giar.match import MATCHERS, MatchSettings

    for name, fn in MATCHERS.items():
        params = list(inspect.signature(fn).parameters)
        assert params == ["rows", "spec", "ctx"], name
    assert all(isinstance(v, float) for v in MatchSettings().as_dict().values())


@pytest.mark.parametrize("module", ["giar.match.requests", "giar.match.active", "giar.match.review"])
def test_no_threshold_literal_in_matchers(module):
    """Thresholds live in MatchSettings; a matcher compares similarities to settings, not to bare numbers."""
    import importlib

    path = Path(importlib.import_module(module).__file__)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                if isinstance(side, ast.Constant) and isinstance(side.value, float) and 0 < side.value < 1:
                    found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert not found, found


def test_every_error_giar_raises_on_bad_input_is_a_giar_error(tmp_path):
    from giar import GiarError, LLMConfig, ReadError, extract

    with pytest.raises(GiarError):
        extract(tmp_path / "missing.txt")
    with pytest.raises(GiarError):
        extract(b"   ")
    with pytest.raises(GiarError):
        LLMConfig.from_env({"GIAR_LLM_BASE_URL": "http://127.0.0.1:1/v1", "GIAR_LLM_MODEL": "m", "GIAR_LLM_TIMEOUT": "x"})
    assert issubclass(ReadError, GiarError)


def test_report_schema_documents_its_fields():
    from giar import Report

    schema = Report.model_json_schema()
    for field in ("source", "requests", "findings", "provenance"):
        assert schema["properties"][field].get("description"), field
    assert schema["$defs"]["Provenance"]["properties"]["span"].get("description")
