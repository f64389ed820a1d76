"""The shape of the code (docs/architecture.md): sizes, and which layer may import which.

These read the source with `ast`; they fail with the file, the line and what broke the rule.
"""

import ast
from pathlib import Path

import pytest

BUDGET = Path(__file__).resolve().parent.parent / "budget"
MODULE_LINES = 500
FUNCTION_LINES = 60

# The web layer: what turns data into pages, the admin and the API.
WEB = ("budget.views", "budget.department_views", "budget.admin", "budget.actuals_admin", "budget.monitoring_admin",
       "budget.review_admin", "budget.entry_admin", "budget.entry_lists", "budget.uploads", "budget.tables",
       "budget.filters", "budget.charts", "budget.score_charts", "budget.selectors", "budget.explorer_queries",
       "budget.templatetags",
       "budget.review_views", "budget.peer_views", "budget.monitoring_pages", "budget.worklist", "budget.api",
       "budget.urls", "budget.root_urls", "budget.middleware")  # fmt: skip
DATABASE = ("django.db", "budget.models", "budget.monitoring_models", "budget.caching")

# (package or module, what it must never import, why)
RULES = [
    ("importing", WEB, "importers serve the admin, the commands and the API alike"),
    ("evaluation", WEB, "the review and scoring rules serve the pages, the admin and the exports alike"),
    (
        "importing/readers",
        ("django", "budget.models", "budget.importing.writer"),
        "a reader turns a file into rows and nothing else",
    ),
    ("evaluation/review.py", DATABASE, "the review rules are pure: budget/evaluation/applying.py stores them"),
    ("evaluation/scoring.py", DATABASE, "scoring is pure: the pages and the import store its results"),
    ("evaluation/monitoring.py", DATABASE, "the monitoring rules are pure"),
    (
        "charts.py",
        DATABASE + ("budget.selectors", "budget.explorer_queries"),
        "figures are built from rows the views pass in",
    ),
    (
        "score_charts.py",
        DATABASE + ("budget.selectors", "budget.explorer_queries"),
        "figures are built from the views' rows",
    ),
    ("importing/indicators.py", DATABASE, "the indicator grammar is pure"),
]


def sources():
    return sorted(p for p in BUDGET.rglob("*.py") if "migrations" not in p.parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (function-local imports count too)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return names


def test_no_module_in_budget_is_over_500_lines():
    long = [
        f"{p.relative_to(BUDGET.parent)}: {n}"
        for p in sources()
        if (n := len(p.read_text().splitlines())) > MODULE_LINES
    ]
    assert long == []


def test_no_function_in_budget_is_over_60_lines():
    long = []
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_LINES:
                    long.append(f"{path.relative_to(BUDGET.parent)}:{node.lineno} {node.name}: {lines}")
    assert long == []


@pytest.mark.parametrize(("where", "forbidden", "why"), RULES, ids=[rule[0] for rule in RULES])
def test_a_layer_never_imports_what_it_must_not(where, forbidden, why):
    target = BUDGET / where
    paths = [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
    assert paths, where
    broken = [
        f"{p.relative_to(BUDGET.parent)}:{line} imports {name}"
        for p in paths
        for line, name in imported(p)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert broken == [], why
