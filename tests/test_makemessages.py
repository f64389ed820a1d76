"""`manage.py makemessages -l en` finds nothing left to translate: every string the code and templates mark
has its English in budget/locale/en/LC_MESSAGES/django.po, none fuzzy (msgmerge marks a new string fuzzy when it
resembles an old one, and the fuzzy English is never shown). Run on a copy, so the catalogue stays as committed."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = Path("budget") / "locale" / "en" / "LC_MESSAGES" / "django.po"


def active_entries(po_text):
    """(msgid, block) of each entry makemessages keeps, the header and obsolete (#~) entries aside."""
    for block in po_text.split("\n\n")[1:]:
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and not all(line.startswith("#~") for line in lines):
            msgid = "".join(re.findall(r'"(.*)"', re.search(r'^msgid ((?:".*"\n?)+)', block, re.M).group(1)))
            yield msgid, block


@pytest.mark.skipif(not (shutil.which("xgettext") and shutil.which("msgmerge")),
                    reason="makemessages needs GNU gettext: apt-get install gettext (.ci/run installs it)")
def test_makemessages_finds_every_string_translated(tmp_path):
    copy = tmp_path / "project"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for part in ("budget", "templates"):
        shutil.copytree(ROOT / part, copy / part, ignore=skip)
    shutil.copy(ROOT / "manage.py", copy)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "budget.settings"}
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "en"], cwd=copy, env=env, check=True,
                   capture_output=True)
    made = (copy / PO).read_text(encoding="utf-8")
    untranslated = [msgid for msgid, block in active_entries(made)
                    if re.search(r'^msgstr(\[\d\])? ""$(?!\n")', block, re.M)]
    fuzzy = [msgid for msgid, block in active_entries(made) if re.search(r"^#, .*fuzzy", block, re.M)]
    assert (untranslated, fuzzy) == ([], [])
    # The committed catalogue holds them all already: makemessages only moves source references.
    committed = {msgid for msgid, _ in active_entries((ROOT / PO).read_text(encoding="utf-8"))}
    assert {msgid for msgid, _ in active_entries(made)} - committed == set()
