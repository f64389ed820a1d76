"""What every container reader shares: the error shape, file handling and cell cleaning."""

import os
import re
import unicodedata
from contextlib import contextmanager

from defusedxml.common import DefusedXmlException
from lxml import etree

from budget.importing.problems import ImportFailed, Problem

# PDFs whose fonts map glyphs to the CJK Radicals Supplement give these for the ordinary
# characters they look like. NFKC maps every Kangxi radical (U+2F00-U+2FD5) and compatibility
# ideograph, but of this block only 2 characters; these simplified-form radicals are identical in
# print to the character beside them and never mean anything else in a budget table.
RADICALS = str.maketrans(
    "⺠⻄⻅⻆⻉⻋⻓⻔⻘⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻨⻩⻬⻮⻰", "民西见角贝车长门青韦页风飞食马骨鬼鱼鸟麦黄齐齿龙"
)
_RADICAL_RE = re.compile("[⺀-\u2eff]")


XML_ENTITIES = "含有 XML 实体声明，疑似恶意构造的文件，拒绝读取；请在 {app} 中重新保存后再导入"


def xml_attack(exc: BaseException) -> bool:
    """An entity bomb, as refused by defusedxml (openpyxl's sheets) or by lxml's amplification
    limit (openpyxl's workbook part and python-docx parse with lxml, entities unresolved)."""
    cause = exc
    while cause is not None:  # openpyxl wraps parse errors in its own ValueError
        if isinstance(cause, DefusedXmlException) or (
            isinstance(cause, etree.XMLSyntaxError) and "entity" in str(cause).lower()
        ):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def failed(name: str, row: int | None, reason: str) -> ImportFailed:
    return ImportFailed([Problem(file=name, row=row, column=None, value=None, reason=reason)])


def display_name(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.path.basename(os.fspath(source))
    return os.path.basename(str(getattr(source, "name", None) or "")) or "上传的文件"


@contextmanager
def binary(source, name: str):
    """Paths are opened and closed here; a caller's file object is only rewound, never closed."""
    if isinstance(source, (str, os.PathLike)):
        try:
            f = open(source, "rb")
        except OSError as exc:
            raise failed(name, None, "无法打开文件") from exc
        with f:
            yield f
    else:
        source.seek(0)
        yield source


def clean(cell) -> str:
    if not cell:
        return ""
    text = unicodedata.normalize("NFKC", cell)
    if _RADICAL_RE.search(text):
        text = text.translate(RADICALS)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells
