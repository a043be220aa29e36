"""What a derived step reads of a large input table: the rows (an SQL condition) and columns it
uses, so that the build queries only those from the warehouse (filters pushed down to DuckDB)
instead of reading the whole table back into memory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Read:
    """``SELECT columns FROM table WHERE where``: a superset of the rows the step keeps (the
    step applies its own filters too, so it gives the same result on the whole table)."""

    columns: tuple[str, ...]
    where: str = "true"

    def sql(self, table: str) -> str:
        columns = ", ".join(f'"{c}"' for c in self.columns)
        return f'SELECT {columns} FROM "{table}" WHERE {self.where}'


def sql_list(values: Iterable[str]) -> str:
    """``'a', 'b'`` for an SQL ``IN (...)`` list (quotes doubled)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)
