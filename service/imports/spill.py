"""Rows between reading and writing: kept in a temporary file (one JSON line each) so that a
big import holds one chunk in memory, with the bookkeeping that rejecting duplicate store
codes needs (the first of two rows with one code is read long before the second)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator

from service.imports import headers
from service.imports.cleaning import CleanRow


class _StoreCodes:
    """Which rows share a store code, from rows seen one at a time: each code's first row, and
    the rows of the codes seen more than once (all a big file's codes, but one int each)."""

    def __init__(self) -> None:
        self.first_row: dict[str, int] = {}
        self.duplicates: dict[str, list[int]] = {}

    def add(self, row: CleanRow) -> None:
        if row.store_code is not None:
            first = self.first_row.setdefault(row.store_code, row.row)
            if first != row.row:
                self.duplicates.setdefault(row.store_code, [first]).append(row.row)


def reject_duplicates(rows: list[CleanRow], column: headers.Column) -> None:
    codes = _StoreCodes()
    for row in rows:
        codes.add(row)
    for row in rows:
        reject_duplicate(row, codes.duplicates, column)


def reject_duplicate(row: CleanRow, rows_by_code: dict[str, list[int]], column: headers.Column) -> None:
    """Reject `row` if its store code is on other rows too (`rows_by_code`: code -> row numbers)."""
    group = rows_by_code.get(row.store_code) if row.store_code is not None else None
    if group is None or len(group) < 2:
        return
    others = [str(n) for n in group if n != row.row]
    row.fail(column, "store_code", f"store code {row.store_code!r} is also on row {', '.join(others)}: "
                                   "each site needs its own code")
    if row.record is not None:
        row.candidate, row.record = row.record.model_dump(mode="json"), None
    elif row.content is not None:
        row.candidate, row.content = {"store_code": row.store_code, **row.content}, None


class Spill:
    """The rows read, cleaned and validated, kept in a temporary file (one JSON line each)
    until they are planned, written and reported a chunk at a time: however big the file,
    the import holds one chunk of rows in memory. It also keeps what rejecting duplicate
    store codes needs, since the first of two rows with one code is read long before the
    second (`_StoreCodes`)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.codes = _StoreCodes()
        self.invalid: set[int] = set()

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def add(self, row: CleanRow) -> None:
        """Called in the reading thread for every row kept."""
        if row.content is None:
            self.invalid.add(row.row)
        self.codes.add(row)
        self.file.write(json.dumps([row.row, row.store_code, row.content, row.candidate, row.cleaning, row.errors,
                                    row.managed],
                                   ensure_ascii=False, separators=(",", ":")).encode())
        self.file.write(b"\n")

    def rejected(self) -> int:
        """Rows rejected once duplicates are: the invalid ones and every valid one sharing a code."""
        return len(self.invalid) + sum(1 for rows in self.codes.duplicates.values() for n in rows
                                       if n not in self.invalid)

    def chunks(self, size: int) -> Iterator[list[CleanRow]]:
        self.file.seek(0)
        chunk: list[CleanRow] = []
        for line in self.file:
            number, code, content, candidate, cleaning, errors, managed = json.loads(line)
            chunk.append(CleanRow(row=number, store_code=code, content=content, candidate=candidate,
                                  cleaning=cleaning, errors=errors, managed=managed))
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
