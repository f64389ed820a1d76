"""What every importer reads the same way: column roles, labels, the preamble above a header, the
budget year and department, names as stored, amounts, total / note / footer rows, placeholder
cells, and the per-department-and-year lock.

Pure apart from `department_lock`. importer.py and layouts.py (targets), forms_layout.py (forms),
actuals.py (self-evaluation) and monitoring_read.py / monitoring_import.py (monitoring) share
these so that one file reads alike whichever way it comes in.
"""

import re
from decimal import Decimal, InvalidOperation

from budget.importing import indicators as grammar

# Column roles, recognised by meaning: header text (spaces and a trailing "(万元)" removed) → role.
ROLE_SYNONYMS = {
    "project": ["项目名称(资金使用单位)", "项目名称(单位名称)", "项目(单位)名称", "项目名称", "项目"],
    "unit": ["单位名称", "资金使用单位", "预算单位", "预算单位名称", "部门(单位)名称", "单位"],
    "total": ["总计", "合计", "预算数", "预算金额", "资金总额", "项目金额", "金额", "年度预算数", "预算资金", "资金合计"],
    "goal": ["绩效目标", "年度目标", "年度绩效目标", "项目绩效目标", "总体目标", "年度总体目标", "绩效目标内容"],
    "indicators": ["绩效指标"],
    "level1": ["一级指标", "一级"],
    "level2": ["二级指标", "二级"],
    "level3": ["三级指标", "三级", "指标名称", "绩效指标名称", "三级指标名称", "指标内容"],
    "nature": ["指标性质"],
    "value": ["指标值", "目标值", "年度指标值", "指标值及单位", "年度目标值", "预期实现值", "当年预期实现值", "计划指标值",
              "计划水平"],
    "period_value": ["实施周期指标值", "长期指标值", "中长期指标值", "实施周期目标值", "长期目标值", "实施期指标值"],
    "measure": ["度量单位", "计量单位"],
    "weight": ["权重", "分值", "指标权重", "指标分值", "权重(%)"],
    "direction": ["指标方向性", "指标方向"],
}
SYNONYM_ROLE = {word: role for role, words in ROLE_SYNONYMS.items() for word in words}
# A self-evaluation's result columns, read by import_actuals; to the target importers they are
# columns kept as written.
RESULT_SYNONYMS = {
    "actual": ["实际完成值", "全年实际值", "实际值", "完成值", "全年实际完成值", "实际完成情况"],
    "reason": ["偏差原因", "偏差原因分析及改进措施", "偏差原因及改进措施", "偏差原因分析", "未完成原因"],
    "points": ["得分", "评价得分", "自评得分", "评分"],
}
RESULT_ROLE = SYNONYM_ROLE | {word: role for role, words in RESULT_SYNONYMS.items() for word in words}
# Result headers vary ("偏差原因分析及改进措施说明", "实际完成值(%)"): a key word decides, in this order.
RESULT_WORDS = [("偏差", "reason"), ("原因", "reason"), ("得分", "points"), ("实际", "actual"),
                ("三级指标", "level3"), ("项目名称", "project"), ("分值", "weight"), ("指标值", "value")]
MONEY_SUFFIXES = (("万元", Decimal(1)), ("元", Decimal(10000)))
NUMBER = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
TOTAL_WORDS = {"合计", "总计"}
NOTE_PREFIXES = ("注:", "注 :", "说明:", "备注:", "注1", "填表说明")


def header_key(text: str) -> str:
    key = re.sub(r"\s+", "", grammar.normalize(text))
    return re.sub(r"\((万元|元|万)\)$", "", key)


def result_column_role(text: str) -> str | None:
    """A column of a self-evaluation by meaning: its exact name without a trailing "(%)" or "(分)", else a
    key word; the target columns keep the roles the target importers give them."""
    key = re.sub(r"\([^()]*\)$", "", header_key(text))
    if not key:
        return None
    return RESULT_ROLE.get(key) or next((role for word, role in RESULT_WORDS if word in key), None)


def name_key(text: str) -> str:
    """Names compare as the target importer stores them: cleaned, without a leading code, without blanks."""
    return re.sub(r"\s+", "", grammar.split_code(grammar.clean_name(text or ""))[1])


def bare_key(key: str) -> str:
    """A name key without a closing bracket: 目标群体满意度(%) is 目标群体满意度."""
    return re.sub(r"\([^()]*\)$", "", key)


def parse_number(text: str) -> Decimal | None:
    """A plain number as a clerk writes it (`1,234.5`, `-3`); None for anything else."""
    raw = text.replace(",", "").replace(" ", "")
    if not NUMBER.fullmatch(raw):
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def wan_amount(text: str) -> Decimal | None:
    """An amount in 万元 as a report writes it: `87.57`, `87.57万元`, `875700元`; None when it is not one."""
    raw = text.replace(" ", "")
    for suffix, factor in MONEY_SUFFIXES:
        if raw.endswith(suffix):
            number = parse_number(raw.removesuffix(suffix))
            return None if number is None else number / factor
    return parse_number(raw)


def is_total(text: str) -> bool:
    return re.sub(r"\s+", "", text) in TOTAL_WORDS


def is_note(text: str) -> bool:
    return text.startswith(NOTE_PREFIXES)


DEPARTMENT_LABELS = {"部门名称", "部门", "单位名称", "填报单位", "预算部门", "主管部门", "编制单位", "预算单位",
                     "主管部门及代码", "主管部门及其编码", "部门(单位)名称", "项目主管部门"}
YEAR_LABELS = {"预算年度", "年度", "评价年度", "自评年度"}
UNIT_LABELS = {"单位", "金额单位", "计量单位", "货币单位"}
# Template words that stand where a name should be: "填报单位:(盖章)".
STAMP = re.compile(r"\((?:盖章|公章|签章|单位盖章|签字|章)\)|盖章|签章")
TRAILING_UNIT = re.compile(r"\s*(?:金额)?单位\s*:\s*(?:万元|元)\s*$")
YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*\)?\s*年")  # "2023年", "(2020)年度"
# Footer and signature rows of a form or table: neither projects nor indicators.
FOOTER = re.compile(
    r"^(?:填表人|填报人|制表人|审核人|经办人|联系人|联系电话|填报日期|单位负责人|财务负责人|项目负责人签字"
    r"|评价结论|其他需说明|存在问题|改进措施|\(盖章\)|盖章|签字|签章|.{0,20}意见\s*(?::|$))"
)
PLACEHOLDERS = {"/", "-", "—", "--", "——", "无", "*", "**", "***", "…", "……", "...", "......", "\\"}


def split_label(text: str) -> tuple[str, str]:
    """`部门名称: X` → ("部门名称", "X"); a line that is not a label → ("", text)."""
    match = re.match(r"^\s*([^:]{1,12}?)\s*:\s*(.*)$", text, re.S)
    return (re.sub(r"\s+", "", match.group(1)), match.group(2).strip()) if match else ("", text.strip())


def label_value(text: str) -> str:
    """A labelled value without template residue: "(盖章) 单位:万元" → ""."""
    value = TRAILING_UNIT.sub("", STAMP.sub("", text)).strip(" \t:")
    return "" if value in PLACEHOLDERS else value


def title_year(text: str, label: str = "") -> int | None:
    """The budget year a title line states; labelled dates (填报日期, 发布时间) state other years."""
    if label and label not in YEAR_LABELS:
        return None
    match = YEAR_IN_TITLE.search(text) if not label else re.search(r"((?:19|20)\d{2})", text)
    return int(match.group(1)) if match else None


def read_preamble(rows) -> dict:
    """Title, department, amount unit and year from the lines above a header; "year_row" is the
    row the year came from, so a conflict can point at it."""
    info = {"title": "", "department": "", "unit": None, "year": None, "year_row": None, "project": ""}
    for row, cells in rows:
        for text in cells:
            if not text:
                continue
            label, value = split_label(text)
            if label in DEPARTMENT_LABELS:
                info["department"] = info["department"] or label_value(value)
            elif label in ("项目名称", "项目") and value:
                info["project"] = info["project"] or value
            elif label in UNIT_LABELS and value in ("万元", "元"):
                info["unit"] = value
            elif not label and not info["title"] and not is_footer(text):  # an approval line above it is no title
                info["title"] = text
            unit = re.search(r"(?:金额)?单位\s*:\s*(万元|元)", text)
            if unit:
                info["unit"] = unit.group(1)
            year = title_year(value if label else text, label)
            if year and info["year"] is None:
                info["year"], info["year_row"] = year, row
    return info


def resolve_year(found: int | None, given: int | None, row, problem) -> int | None:
    """The budget year: the title's or --year's; when both are there they must agree."""
    if found and given and found != given:
        problem(row, None, None, f"标题中的预算年度 {found} 与指定的 --year {given} 不一致,请核对后重新指定")
        return given
    year = found or given
    if year is None:
        problem(None, None, None, "无法从标题或表头前的文字中确定预算年度,请用 --year 指定(如 --year 2024)")
    return year


def department_note(found: str, given: str | None) -> str | None:
    """--department always wins; when the file names another department that is worth a note."""
    if not given or not found:
        return None
    if grammar.split_code(found)[1].replace(" ", "") == given.replace(" ", ""):
        return None
    return f"文件中的部门名称「{found}」与指定的部门「{given}」不同,已按指定的部门导入"


def is_footer(text: str) -> bool:
    return bool(FOOTER.match(re.sub(r"\s+", "", text)))


def is_blank(text: str) -> bool:
    """Empty, or a template's stand-in for empty ("/", "—", "无")."""
    return not text or text.replace(" ", "") in PLACEHOLDERS


def removed_part(original: str, clean: str) -> str:
    """What clean_name took out of a name, for the flag that keeps it."""
    original = grammar.normalize(original)
    start = original.find(clean) if clean else -1
    if start < 0:
        return original
    return (original[:start] + original[start + len(clean):]).strip()


def department_lock(cursor, department: str, year: int) -> None:
    """Two writers of the same department and year queue here instead of racing."""
    cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{department}|{year}"])
