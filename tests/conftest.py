from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def gold_files(*groups: str) -> list[Path]:
    return sorted(p for g in groups for p in (FIXTURES / g).glob("*.gold.json"))


def source_of(gold: Path) -> Path:
    stem = gold.name[: -len(".gold.json")]
    found = [p for p in gold.parent.glob(stem + ".*") if not p.name.endswith(".gold.json")]
    assert len(found) == 1, f"one document beside {gold}, found {found}"
    return found[0]


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
