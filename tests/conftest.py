from pathlib import Path

import pytest

from budget.importing.importer import import_table

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REFERENCE = FIXTURES / "huadu-zwfw-project-targets.txt"


@pytest.fixture
def reference_table(db):
    """The reference table (广州市花都区政务服务和数据管理局) imported as the 2021 budget."""
    from budget.models import BudgetTable

    import_table(REFERENCE, filename=REFERENCE.name, year=2021)
    return BudgetTable.objects.get()


@pytest.fixture
def write_file(tmp_path):
    """Write text (or bytes) to a file in the given encoding and return its path."""

    def write(name: str, content, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


@pytest.fixture(autouse=True)
def chinese_by_default():
    """A request for an English page leaves English active in the test thread; reset it so
    each test starts in the product's default language whatever ran before."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture(autouse=True)
def empty_caches():
    """Each test's rows are rolled back, but the per-process caches would keep pages and figures rendered
    from them; a later test whose data happens to give the same data version must not be served those."""
    from django.core.cache import caches

    from budget import peers

    for alias in ("default", "pages", "api"):
        caches[alias].clear()
    peers._KEPT.clear()  # the peers' groups kept as objects beside the figures cache


@pytest.fixture
def data_changed(db):
    """Move the data version as a committed write does. Tests run inside one transaction, whose on-commit
    bump never comes; a test that changes rows with queryset.update() calls this, as the code that does
    (applying.refresh_table) calls bump_data_version."""
    from budget import caching

    return lambda: caching._bump("default")


@pytest.fixture(autouse=True)
def kept_downloads(settings, tmp_path):
    """Downloads are kept per data version, which repeats between tests whose rows were rolled back."""
    settings.EXPORT_DIR = tmp_path / "exports"
