"""A run's budget for the LLM fallback: a cap on tokens and on concurrent requests, shared by every process.

``giar extract --llm`` over a folder (``-j`` processes) opens one :class:`Budget` for the run; its ledger is a
small SQLite file and its request slots are lock files (``fcntl.flock``, released by the OS if a process
dies), so all workers draw on the same budget. A repair starts only if its estimate fits in what is left
(the estimate: the rendered prompt's characters, an upper bound of its tokens for Chinese text, plus the
answer's cap); its real usage is booked when it ends. Past the cap a table stays as the rules read it, with a
finding; the run's summary says what was spent and how many tables were left to the rules.

    budget = Budget.create(tokens=200_000, concurrent=2)
    cfg = budget.attach(LLMConfig.from_env())
    ... extract(path, llm=cfg) for each document ...
    print(budget.summary())
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from .config import LLMConfig


@dataclass(frozen=True)
class Spent:
    cap: Optional[int]
    tokens: int
    calls: int
    repairs: int
    refused: int  # tables left as the rules read them: the budget could not cover them

    def __str__(self) -> str:
        cap = f" of {self.cap}" if self.cap is not None else ""
        return (
            f"LLM: {self.repairs} repair(s), {self.calls} call(s), {self.tokens}{cap} tokens; "
            f"{self.refused} table(s) left as the rules read them (budget spent)"
        )


class Budget:
    def __init__(self, ledger: str, tokens: Optional[int] = None, concurrent: int = 0):
        self.ledger = ledger
        self.tokens = tokens
        self.concurrent = concurrent
        with closing(self._db()) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY CHECK (id = 1), cap INTEGER, "
                "spent INTEGER NOT NULL, held INTEGER NOT NULL, calls INTEGER NOT NULL, repairs INTEGER NOT NULL, "
                "refused INTEGER NOT NULL)"
            )
            db.execute("INSERT OR IGNORE INTO ledger VALUES (1, ?, 0, 0, 0, 0, 0)", (tokens,))

    @classmethod
    def create(cls, tokens: Optional[int] = None, concurrent: int = 0, folder: Optional[str] = None) -> Budget:
        """A new, empty ledger for one run."""
        where = Path(tempfile.mkdtemp(prefix="giar-llm-budget-", dir=folder))
        return cls(str(where / "ledger.sqlite"), tokens, concurrent)

    @classmethod
    def of(cls, cfg: LLMConfig) -> Optional[Budget]:
        """The budget a config draws on (set by :meth:`attach`), or None."""
        return cls(cfg.ledger, cfg.budget_tokens, cfg.max_concurrent) if cfg.ledger else None

    def attach(self, cfg: LLMConfig) -> LLMConfig:
        return replace(cfg, ledger=self.ledger, budget_tokens=self.tokens, max_concurrent=self.concurrent)

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.ledger, timeout=30, isolation_level="IMMEDIATE")

    def reserve(self, estimate: int) -> bool:
        """Hold ``estimate`` tokens if they fit in what is left; False (and one table refused) if not."""
        with closing(self._db()) as db, db:
            cap, spent, held = db.execute("SELECT cap, spent, held FROM ledger WHERE id = 1").fetchone()
            if cap is not None and spent + held + estimate > cap:
                db.execute("UPDATE ledger SET refused = refused + 1 WHERE id = 1")
                return False
            db.execute("UPDATE ledger SET held = held + ? WHERE id = 1", (estimate,))
            return True

    def settle(self, estimate: int, tokens: int, calls: int) -> None:
        """Release a reservation and book what the repair really used."""
        with closing(self._db()) as db, db:
            db.execute(
                "UPDATE ledger SET held = held - ?, spent = spent + ?, calls = calls + ?, repairs = repairs + 1 "
                "WHERE id = 1",
                (estimate, tokens, calls),
            )

    @contextmanager
    def slot(self, deadline: float) -> Iterator[bool]:
        """One of ``concurrent`` request slots across the run's processes (True), or False if none came free
        before ``deadline`` (``time.monotonic()``). No cap: always True."""
        if self.concurrent <= 0:
            yield True
            return
        folder = Path(self.ledger).parent
        while True:
            for i in range(self.concurrent):
                fd = os.open(folder / f"slot{i}.lock", os.O_CREAT | os.O_RDWR, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    continue
                try:
                    yield True
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    os.close(fd)
                return
            if time.monotonic() >= deadline:
                yield False
                return
            time.sleep(0.05)

    def summary(self) -> Spent:
        with closing(self._db()) as db:
            cap, spent, calls, repairs, refused = db.execute(
                "SELECT cap, spent, calls, repairs, refused FROM ledger WHERE id = 1"
            ).fetchone()
        return Spent(cap, spent, calls, repairs, refused)
