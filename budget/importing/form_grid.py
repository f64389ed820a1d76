"""A form's indicator grid (一级 | 二级 | 三级 | 指标值 …) → the project's indicators.

form_tables.py turns a form's labels and money into its project; this reads the grid under them: which column holds
what (whatever the template calls it, halves for 长期 and 年度 side by side, a second header row naming
the value columns), a grid with only two levels whose level 1 the national framework implies, and a grid
with a column of values per place instead of one 指标值. Each row becomes an indicator through the shared
LayoutReader; what cannot be read is a problem, what is kept as written is a flag.
"""

import re

from budget.importing.forms_layout import GRID_EXTRA_NAMES, HALF, LABEL_ROLE, Form
from budget.importing.indicators import clean_name
from budget.importing.layouts import Columns, LayoutReader, cell, continued
from budget.importing.reading import SYNONYM_ROLE, header_key, is_blank
from budget.importing.records import ParsedFlag, ParsedProject

GRID_ROLES = ("level1", "level2", "level3", "value", "period_value", "measure", "nature", "weight", "direction")


class FormGrid:
    """Reads grids into projects; problems go to the reader, flags and columns to the shared layout reader."""

    def __init__(self, reader, layout: LayoutReader):
        self.reader = reader
        self.layout = layout

    def read(self, form: Form, project: ParsedProject):
        if form.grid_header is None:
            self.reader.problem(
                form.first_row, None, None, "这张表单没有绩效指标表头(一级指标、二级指标、三级指标、指标值)"
            )
            return
        header_row, header = form.grid_header
        grid = form.grid
        if grid and is_value_subheader(grid[0][1]):
            header, grid = merge_value_header(header, grid[0][1]), grid[1:]
        roles, extra, long_half = grid_columns(header)
        if (
            "value" not in roles
            and "period_value" not in roles
            and not self.values_by_column(roles, extra, header, header_row, project)
        ):
            self.reader.problem(
                header_row, None, None, "指标表头中找不到「指标值」列(指标值 / 年度指标值 / 指标值及单位)"
            )
            return
        two_level = self.two_level(roles, grid, header, header_row, project.name)
        self.layout.columns = Columns(header, roles, [], [])
        level1 = level2 = ""
        for row, cells in grid:
            level1, level2 = continued(level1, level2, *(cell(cells, roles.get(r)) for r in ("level1", "level2")))
            if two_level:
                level1, level2 = self.level1_of(level2, row, header[roles["level2"]])
            name, value = cell(cells, roles.get("level3")), cell(cells, roles.get("value"))
            cells = self.long_half(cells, long_half, name, row, project.name)
            if is_blank(clean_name(name)) and is_blank(value) and is_blank(cell(cells, roles.get("period_value"))):
                continue  # a category row with no indicator under it, or a template's empty "指标2" / "……" row
            indicator = self.layout.indicator_from_row(project, cells, row, level1, level2)
            indicator.extra = {re.sub(r"\s+", "", text): cell(cells, i) for text, i in extra if cell(cells, i)} or None
            project.indicators.append(indicator)

    def values_by_column(self, roles, extra, header, header_row, project) -> bool:
        """A grid with no 指标值 column but a column of values for each place or sub-project (西坪镇尧山村 | 桃舟乡吾培村
        …, as provincial special funds publish them) has no single target: each value is kept under its column and
        flagged. One unknown column is more likely a misnamed 指标值 and stays refused."""
        named = [re.sub(r"\s+", "", text) for text, _ in extra if header_key(text) not in GRID_EXTRA_NAMES]
        if len(named) < 2:
            return False
        # 指标方向 ≥, 指标性质, 计量单位 qualify the values of every column: with no single value to read them into, kept.
        for role in ("nature", "measure", "direction"):
            if role in roles:
                extra.append((header[roles[role]], roles.pop(role)))
        self.layout.flags.append(
            ParsedFlag(
                "warning",
                "values-by-column",
                f"指标表没有「指标值」列,各指标的值按列保存在「{'、'.join(named)}」下,"
                "没有统一的年度指标值,也就没有可解析的目标",
                header_row,
                project.name,
            )
        )
        return True

    def two_level(self, roles, grid, header, header_row, project) -> bool:
        """一级指标 | 二级指标 | 指标值 with no 三级 column, the 二级 cells naming indicators and the 一级 cells holding
        what the national framework calls 二级 (数量指标 …): those are read as names and level 2, and level 1 is the one
        the framework puts each under. A grid whose 二级 cells are categories has no names and stays refused."""
        if "level3" in roles or "level2" not in roles or "level1" not in roles:
            return False
        if any(
            re.sub(r"\s+", "", cell(cells, roles["level2"])) in LEVEL1_OF.keys() | LEVEL1_NAMES for _, cells in grid
        ):
            return False
        roles["level3"], roles["level2"] = roles["level2"], roles.pop("level1")
        self.layout.flags.append(
            ParsedFlag(
                "info",
                "level1-implied",
                f"指标表没有三级指标列:「{header[roles['level3']]}」列读作指标名称,"
                f"「{header[roles['level2']]}」列读作二级指标,一级指标按二级指标的归属读出(如 数量指标 属于 产出指标)",
                header_row,
                project,
            )
        )
        return True

    def level1_of(self, written, row, column) -> tuple[str, str]:
        """(level 1, level 2) of a category written in a two-level grid's 一级 column."""
        key = category_key(written)
        if key in LEVEL1_NAMES:
            return written, ""
        if not written or key in LEVEL1_OF:
            return LEVEL1_OF.get(key, ""), written
        self.reader.problem(
            row, column, written, "不是认识的二级指标,无法确定它属于哪个一级指标(产出指标、效益指标、满意度指标)"
        )
        return "", written

    def long_half(self, cells, long_half, name, row, project):
        """A grid with 长期 and 年度 halves side by side: the long-term value is the annual indicator's period value
        when the halves name the same indicator (or the long half none); another one is kept on a flag."""
        long_name = cell(cells, long_half.get("level3"))
        if not long_name or long_name == name:
            return cells
        text = " | ".join(cell(cells, i) for i in long_half.values() if cell(cells, i))
        self.layout.flags.append(
            ParsedFlag("warning", "long-term-indicator", f"长期指标与年度指标不同,已原样保留: {text}", row, project)
        )
        cells = list(cells)
        cells[long_half["value"]] = ""
        return cells


# The national framework's level-2 categories under their level 1 (财政部 共性绩效指标框架).
LEVEL1_OF = {
    **dict.fromkeys(("数量指标", "质量指标", "时效指标", "成本指标"), "产出指标"),
    **dict.fromkeys(("经济效益指标", "社会效益指标", "生态效益指标", "环境效益指标", "可持续影响指标"), "效益指标"),
    **dict.fromkeys(("服务对象满意度指标", "社会公众或服务对象满意度指标"), "满意度指标"),
    **dict.fromkeys(("经济成本指标", "社会成本指标", "生态环境成本指标"), "成本指标"),
}
LEVEL1_NAMES = {"产出指标", "效益指标", "满意度指标", "成本指标"}


def category_key(text: str) -> str:
    """数量 and 数量指标 are one category."""
    key = re.sub(r"\s+", "", text)
    return key if not key or key.endswith("指标") else f"{key}指标"


ACTUAL_COLUMNS = {
    "实际完成值",
    "完成值",
    "全年实际值",
    "实际值",
    "得分",
    "偏差原因分析及改进措施",
    "未完成原因分析",
    "偏差原因",
    "未完成原因",
    "偏差原因及改进措施",
}


def grid_columns(header: list[str]) -> tuple[dict, list, dict]:
    """(roles, extra columns, long-term half's roles) of an indicator grid's header."""
    roles, extra, long_half = {}, [], {}
    for index, text in enumerate(header):
        key = header_key(text)
        if not HALF.search(key) and SYNONYM_ROLE.get(key) is None and SYNONYM_ROLE.get(re.sub(r"\(.*\)$", "", key)):
            key = re.sub(r"\(.*\)$", "", key)  # 指标值(包含数字及文字描述) is 指标值
        half = HALF.search(key)
        role = SYNONYM_ROLE.get(HALF.sub("", key))
        if not half and role in ("level2", "level3") and role in roles and not long_half:
            # 二级 | 三级 | 指标值 written twice without (长期)/(年度): the left half is the period's, as templates
            # put 中期/长期 before 年度.
            long_half = {r: roles.pop(r) for r in ("level2", "level3", "value") if r in roles}
            if "value" in long_half:
                roles["period_value"] = long_half["value"]
        if half and half.group(1) != "年度" and role in ("level2", "level3", "value"):
            long_half.setdefault(role, index)
            if role == "value":
                roles.setdefault("period_value", index)
        elif role in GRID_ROLES and role not in roles:
            roles[role] = index
        elif (
            text
            and (key in GRID_EXTRA_NAMES or LABEL_ROLE.get(key) != "group")
            and role != "indicators"
            and re.sub(r"\(.*\)$", "", key) not in ACTUAL_COLUMNS
        ):
            extra.append((text, index))
    return roles, extra, long_half


VALUE_SUBHEADER = {
    "长期": "长期指标值",
    "中长期": "长期指标值",
    "实施期": "长期指标值",
    "实施周期": "长期指标值",
    "年度": "年度指标值",
    "本年度": "年度指标值",
    "当年": "年度指标值",
}


def is_value_subheader(cells: list[str]) -> bool:
    """指标值 over 长期 | 年度: a second grid header row naming only the value columns."""
    filled = [re.sub(r"(指标值|目标值|目标)$", "", header_key(c)) for c in cells if c]
    return bool(filled) and all(f in VALUE_SUBHEADER for f in filled)


def merge_value_header(header: list[str], lower: list[str]) -> list[str]:
    merged = list(header) + [""] * max(0, len(lower) - len(header))
    for index, text in enumerate(lower):
        if text:
            merged[index] = VALUE_SUBHEADER[re.sub(r"(指标值|目标值|目标)$", "", header_key(text))]
    return merged
