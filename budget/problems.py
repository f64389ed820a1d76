"""The one shape every import error takes, so readers, parsers and the importer agree.

A finance clerk must be able to find the cell: file, row, column, value, reason.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # 1-based line (text) or spreadsheet row; None for the whole file
    column: str | None  # the header text of the column, as the source spells it
    value: str | None
    reason: str  # Chinese, in words a clerk understands

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"「{self.column}」列")
        where = " ".join(parts)
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            return f"{where}: 值“{shown}”{self.reason}"
        return f"{where}: {self.reason}"


class ImportFailed(Exception):
    """Raised with every problem found; nothing has been written when it is raised."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
