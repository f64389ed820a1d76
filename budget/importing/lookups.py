"""What every file of a batch reads alike — the funding sources and the indicator categories — read once per
command instead of once per file (two to four round trips each; make bench's batch of 400 files).

Outside `shared()` (an upload in the admin, a single import) each write reads them afresh, as before. Inside,
they are kept across files; a file that fails rolls back in its savepoint what it created (a new source or
category), so the writer calls `forget()` then, and the next file reads them again.
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar

from budget.importing import indicators as grammar
from budget.models import FundingSource, Level1Category, Level2Category


def category_key(name: str) -> str:
    return re.sub(r"指标$", "", re.sub(r"\s+", "", name))


class Lookups:
    def __init__(self):
        self.sources: dict[str, FundingSource] = {}
        self.found: Categories | None = None

    def categories(self) -> "Categories":
        if self.found is None:
            self.found = Categories()
        return self.found

    def funding_sources(self, names: list[str]) -> dict[str, FundingSource]:
        missing = [name for name in names if name not in self.sources]
        if missing:
            self.sources.update({s.name: s for s in FundingSource.objects.filter(name__in=missing)})
            new = [name for name in missing if name not in self.sources]
            # Read only when a source is new, as it rarely is after the first files.
            position = max(FundingSource.objects.values_list("position", flat=True), default=0) if new else 0
            for name in new:
                position += 1
                self.sources[name], _ = FundingSource.objects.get_or_create(name=name, defaults={"position": position})
        return {name: self.sources[name] for name in names}


_kept: ContextVar[Lookups | None] = ContextVar("budget_import_lookups", default=None)


@contextmanager
def shared():
    """The files written inside share one Lookups (a batch command's whole run)."""
    token = _kept.set(Lookups())
    try:
        yield
    finally:
        _kept.reset(token)


def current() -> Lookups:
    """The batch's lookups, or fresh ones for a write on its own."""
    return _kept.get() or Lookups()


def forget() -> None:
    """A file failed: what it created may have been rolled back with it."""
    if _kept.get() is not None:
        _kept.set(Lookups())


class Categories:
    """Matches 产出 with 产出指标 and 社会效益 with 社会效益指标; unknown names extend the list."""

    def __init__(self):
        self.by_level1 = {category_key(c.name): c for c in Level1Category.objects.all()}
        self.by_level2 = {(c.level1_id, category_key(c.name)): c for c in Level2Category.objects.all()}

    def level2(self, ind) -> tuple[Level2Category, Level1Category]:
        key1 = category_key(ind.level1)
        level1 = self.by_level1.get(key1)
        if level1 is None:
            level1, _ = Level1Category.objects.get_or_create(
                name=ind.level1, defaults={"code": ind.level1_code or "", "kind": grammar.level1_kind(ind.level1) or ""}
            )
            self.by_level1[key1] = level1
        key2 = (level1.id, category_key(ind.level2))
        level2 = self.by_level2.get(key2)
        if level2 is None:
            level2, _ = Level2Category.objects.get_or_create(
                level1=level1, name=ind.level2, defaults={"code": ind.level2_code or ""}
            )
            self.by_level2[key2] = level2
        return level2, level1
