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


MAX_KEPT = 1000  # a file of a million bad rows is reported by its first problems and a count, not held in memory


class ProblemList(list):
    """The problems of one file: every one is counted, the first MAX_KEPT are kept."""

    total = 0

    def append(self, problem: Problem) -> None:
        self.total += 1
        if len(self) < MAX_KEPT:
            super().append(problem)


class Collector:
    """Collects the problems of one file while it is read, so that every one is reported at once. A column
    given by its index in `header` is named by the header's text."""

    def __init__(self, filename: str, header: list[str] | None = None):
        self.filename = filename
        self.header = header or []
        self.problems: list[Problem] = ProblemList()

    def problem(self, row, column, value, reason, file=None):
        if isinstance(column, int):
            column = self.header[column]
        self.problems.append(Problem(file or self.filename, row, column, value, reason))


class ImportFailed(Exception):
    """Raised with every problem found (the first MAX_KEPT of them, and their total); nothing has been
    written when it is raised."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        self.total = max(getattr(problems, "total", 0), len(self.problems))
        lines = [str(p) for p in self.problems]
        if self.total > len(lines):
            lines.append(f"……另有 {self.total - len(lines)} 处问题未列出(共 {self.total} 处)")
        super().__init__("\n".join(lines))
