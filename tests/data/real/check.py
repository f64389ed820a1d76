"""Check the hand-written facts against the transcriptions.

Every department, project, goal, indicator name and value named in <slug>.json must
occur in <slug>.txt (whitespace ignored), and every row of a .txt has the same width.
It checks this corpus, not the importer.

Run: .venv/bin/python tests/data/real/check.py
"""
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIRED = ["source_url", "publisher", "layout", "year", "department", "department_code", "projects"]


def squash(text):
    """Text without whitespace or the \\n that marks a line break inside a cell."""
    return re.sub(r"\s+", "", text.replace("\\n", ""))


# Decoration the facts strip from names (they record it under "removed").
DECORATION = re.compile(r"[★*]|^指标\d+:?|[(][^()]*\*\*[^()]*[)]|[≥<]\*\*\S*$|[(]\d+分[)]$")


UNIT_COLUMNS = {"度量单位", "计量单位"}


def cells_of(txt):
    """Every cell of the table, whitespace removed, with and without decoration; a number in 指标值 with
    its unit in the 度量单位 / 计量单位 column beside it is one value too (`95` + `%` is `95%`)."""
    rows = [line.split("|") for line in txt.splitlines()]
    cells = {squash(cell) for row in rows for cell in row}
    units = {i for row in rows for i, cell in enumerate(row) if squash(cell) in UNIT_COLUMNS and i}
    cells |= {squash(row[i - 1] + row[i]) for row in rows for i in units if row[i - 1] and row[i]}
    return cells | {DECORATION.sub("", cell) for cell in cells}


def problems_of(slug):
    txt = (HERE / f"{slug}.txt").read_text(encoding="utf-8")
    doc = json.loads((HERE / f"{slug}.json").read_text(encoding="utf-8"))
    flat = squash(txt)
    cells = cells_of(txt)
    found = []
    if len({len(line.split("|")) for line in txt.splitlines()}) != 1:
        found.append("rows of different widths")
    found += [f"missing key {key}" for key in REQUIRED if key not in doc]
    if doc["year"] is None and "year_hint" not in doc:
        found.append("neither year nor year_hint")
    texts = [doc["department"]]
    indicators = list(doc.get("overall", {}).get("indicators", []))
    for project in doc["projects"]:
        texts += [project["name"], project.get("goal"), project.get("period_goal")]
        indicators += project["indicators"]
    for ind in indicators:
        # A level 1 the form leaves to the framework (level1_implied) is written nowhere in the table.
        texts += [ind["name"], None if ind.get("level1_implied") else ind["level1"], ind["level2"]]
        texts += [ind.get(key) for key in ("annual_value", "period_value", "actual")]
        target = ind["target"]
        if target and target["value"] not in (ind["annual_value"] or ""):
            found.append(f"target number not in the value of {ind['name']}")
    names = [ind["name"] for ind in indicators]
    found += [f"not in the table: {text}" for text in texts
              if text and squash(text) not in flat and squash(text) not in cells]
    found += [f"no cell is the indicator {name}" for name in names if squash(name) not in cells]
    return found


def main():
    bad = 0
    for path in sorted(HERE.glob("*.json")):
        for problem in problems_of(path.stem):
            bad += 1
            print(path.stem, problem)
    print("problems:", bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
