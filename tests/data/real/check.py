"""Consistency check of the hand-written facts against the transcriptions: every
name, goal and value in <slug>.json must occur in <slug>.txt (whitespace ignored),
every .txt row has the same width. It checks the corpus, not the importer.

Run: /work/main/.venv/bin/python tests/data/real/check.py
"""
import json, re, sys
from pathlib import Path
HERE = Path(__file__).resolve().parent
bad = 0
def squash(s): return re.sub(r"\s+", "", s.replace("\\n", ""))
for j in sorted(HERE.glob("*.json")):
    slug = j.stem
    txt = (HERE / f"{slug}.txt").read_text(encoding="utf-8")
    widths = {len(l.split("|")) for l in txt.splitlines()}
    if len(widths) != 1: print(slug, "ragged widths", widths); bad += 1
    cells = [c for l in txt.splitlines() for c in l.split("|")]
    flat = squash(txt)
    doc = json.loads(j.read_text(encoding="utf-8"))
    for key in ["source_url", "publisher", "layout", "year", "department", "department_code", "projects"]:
        if key not in doc: print(slug, "missing", key); bad += 1
    if doc["year"] is None and "year_hint" not in doc: print(slug, "no year nor hint"); bad += 1
    if squash(doc["department"]) not in flat: print(slug, "department not in txt", doc["department"]); bad += 1
    inds = list(doc.get("overall", {}).get("indicators", []))
    for p in doc["projects"]:
        if squash(p["name"]) not in flat: print(slug, "project not in txt", p["name"]); bad += 1
        if p.get("goal") and squash(p["goal"]) not in flat: print(slug, "goal not in txt"); bad += 1
        if p.get("period_goal") and squash(p["period_goal"]) not in flat: print(slug, "period goal not in txt"); bad += 1
        inds += p["indicators"]
    for i in inds:
        if squash(i["name"]) not in flat: print(slug, "indicator not in txt", i["name"]); bad += 1
        for k in ("annual_value", "period_value", "actual"):
            v = i.get(k)
            if v and squash(v) not in flat: print(slug, k, "not in txt", v); bad += 1
        t = i["target"]
        if t and t["value"] not in (i["annual_value"] or ""): print(slug, "target number not in value", i["name"]); bad += 1
        if i["level1"] and squash(i["level1"]) not in flat: print(slug, "level1 not in txt", i["level1"]); bad += 1
        if i["level2"] and squash(i["level2"]) not in flat: print(slug, "level2 not in txt", i["level2"]); bad += 1
print("problems:", bad)
sys.exit(1 if bad else 0)
