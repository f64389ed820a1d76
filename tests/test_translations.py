import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "budget" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def po_string(text: str) -> str:
    """The value of a (possibly multi-line) PO string, escapes undone."""
    return "".join(re.findall(r'"(.*)"', text)).replace('\\"', '"').replace("\\n", "\n")


def entries():
    for block in PO.read_text(encoding="utf-8").split("\n\n")[1:]:  # the first block is the header
        msgid = po_string(block.split("msgid ", 1)[1].split("\nmsg", 1)[0])
        yield msgid, block


def test_every_english_string_is_translated_and_none_is_fuzzy():
    missing = [msgid for msgid, block in entries() if re.search(r'^msgstr(\[\d\])? ""$(?!\n")', block, re.M)]
    fuzzy = [msgid for msgid, block in entries() if "#, fuzzy" in block]
    assert (missing, fuzzy) == ([], [])


def test_the_compiled_catalogue_holds_every_translation_of_the_source():
    stale = []
    with translation.override("en"):
        for msgid, block in entries():
            if "msgid_plural" in block or "msgctxt" in block:
                continue
            if translation.gettext(msgid) != po_string(block.split("\nmsgstr ", 1)[1]):
                stale.append(msgid)
    assert stale == []
