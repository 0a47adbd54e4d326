"""The response model: the LLM answers with token ids placed on template cells, so it cannot invent a number.

One model is built per table and template from ``giar.template``: a field per row, and in it a field per column
holding a token id or null (blank). Rows that print the same columns share one sub-model, which keeps the JSON
schema sent with every request small. A validator rejects ids the request did not offer and a token placed twice;
instructor re-asks with that error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Optional

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from ..model import Provenance, RepairRequest, Token
from ..template import TEMPLATES, TableSpec


class TableAnswer(BaseModel):
    """Base of every generated answer model: rows of cells, each cell a token id or null."""

    model_config = ConfigDict(extra="forbid")
    token_ids: ClassVar[frozenset[int]] = frozenset()  # the ids this request offered (set per request)

    @model_validator(mode="after")
    def _only_offered_tokens(self) -> TableAnswer:
        seen: dict[int, str] = {}
        unknown: list[str] = []
        twice: list[str] = []
        for cell, token_id in self.cells():
            if token_id is None:
                continue
            if token_id not in self.token_ids:
                unknown.append(f"{cell}={token_id}")
            elif token_id in seen:
                twice.append(f"{token_id} in {seen[token_id]} and {cell}")
            else:
                seen[token_id] = cell
        problems = []
        if unknown:
            problems.append(
                f"token ids not in the token list: {', '.join(unknown)}; "
                "use only the ids listed (the number after #), or null for a blank cell"
            )
        if twice:
            problems.append(f"a printed number fills one cell only, but these ids are used twice: {'; '.join(twice)}")
        if problems:
            raise ValueError(". ".join(problems))
        return self

    def cells(self) -> Iterable[tuple[str, Optional[int]]]:
        """("row.column", token id or None) for every cell of the answer."""
        for row_key, row in self:
            for col_key, token_id in row:
                yield f"{row_key}.{col_key}", token_id


def spec(request: RepairRequest) -> TableSpec:
    return TEMPLATES[request.template].tables[request.table]


def answer_model(request: RepairRequest) -> type[TableAnswer]:
    """The response model for this request's rows (all rows of the table when none are named), accepting only
    this request's token ids."""
    table = spec(request)
    shared: dict[tuple[str, ...], type[BaseModel]] = {}
    fields: dict[str, Any] = {}
    for row in table.rows:
        if request.rows and row.key not in request.rows:
            continue
        cols = tuple(c.key for c in row.columns)
        if cols not in shared:
            shared[cols] = create_model(  # type: ignore[call-overload]
                f"{row.key}_cells",
                __config__=ConfigDict(extra="forbid"),
                **{c: (Optional[int], Field(...)) for c in cols},
            )
        fields[row.key] = (shared[cols], Field(...))
    name = f"{request.table}_{request.template}"
    model = create_model(name, __base__=TableAnswer, **fields)
    model.token_ids = frozenset(t.id for t in request.tokens)
    return model


def schema_of(model: type[BaseModel]) -> dict:
    """The JSON schema that shapes the answer (part of the cache key): the offered ids are not in it."""
    return model.model_json_schema()


def place(
    request: RepairRequest, answer: TableAnswer, repairs: list[str]
) -> tuple[dict[str, Optional[Any]], dict[str, Provenance]]:
    """Values and provenance for every cell of the table, taken from the tokens the answer names."""
    tokens: dict[int, Token] = {t.id: t for t in request.tokens}
    values: dict[str, Optional[Any]] = {}
    provenance: dict[str, Provenance] = {}
    for cell, token_id in answer.cells():
        key = f"{request.table}.{cell}"
        if token_id is None:
            values[key] = None
            continue
        token = tokens[token_id]
        values[key] = token.value
        provenance[key] = Provenance(method="llm", span=token.span, text=token.text, repairs=list(repairs))
    return values, provenance
