"""Build the monitoring fixtures of the reference department (广州市花都区政务服务和数据管理局, 2021)
as a clerk fills the monitoring form: one row per indicator with the project and money cells merged
down (XLSX, and the same saved as GB18030 CSV), and one form per project stacked down a sheet.

The figures are chosen so that each project meets one rule of monitoring.md; expected.json holds the
lights and warnings worked out by hand from these figures. Run:
/work/main/.venv/bin/python tests/data/monitoring/build.py
"""

import csv
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
DEPARTMENT = "广州市花都区政务服务和数据管理局"
# project: (年初预算数, 年度预算调整, 调整后预算数, 执行数, 执行率, 全年预计执行数, indicators)
# indicator: (一级, 二级, 三级, 年度指标值, 完成值, 全年预计完成值, 完成可能性, 偏差原因, 偏差原因说明, 改进措施)
JUNE = {
    "办证大厅窗口服务经费": (
        199,
        0,
        199,
        59.7,
        "30.00%",
        199,
        [
            ("产出指标", "数量指标", "工作天数", "正常工作每月天数22天", "22天", "22天", "确定能", "", "", ""),
            ("产出指标", "质量指标", "工作人数", "16人", "16人", "16人", "确定能", "", "", ""),
            ("产出指标", "时效指标", "工资发放时间", "每月上旬", "每月上旬", "每月上旬", "确定能", "", "", ""),
            ("满意度指标", "服务对象满意度", "服务对象满意度", "满意度≥90%", "96%", "95%", "确定能", "", "", ""),
        ],
    ),
    "基层服务平台示范点建设经费": (
        340,
        0,
        340,
        187,
        "55.00%",
        280,
        [
            ("产出指标", "数量指标", "接受培训人数", "300", "150", "300", "确定能", "", "", ""),
            ("产出指标", "数量指标", "服务事项", "900项", "450项", "900项", "确定能", "", "", ""),
            ("产出指标", "质量指标", "系统正常运行率", "99.9%", "99.9%", "99.9%", "确定能", "", "", ""),
            ("效益指标", "社会效益", "宣传知晓率", "100000人", "50000人", "100000人", "确定能", "", "", ""),
            ("满意度指标", "服务对象满意度", "服务对象满意度", "99%", "—", "99%", "确定能", "", "", ""),
        ],
    ),
    "新政务中心大楼后勤保障经费": (
        814.96,
        0,
        814.96,
        480,
        "58.90%",
        814.96,
        [
            ("产出指标", "数量指标", "大楼水费", "30万元", "15万元", "30万元", "确定能", "", "", ""),
            ("产出指标", "数量指标", "大楼电费", "300万元", "150万元", "300万元", "确定能", "", "", ""),
            ("产出指标", "数量指标", "政务大楼工作人员", "650人", "650人", "650人", "确定能", "", "", ""),
            (
                "产出指标",
                "数量指标",
                "服务事项",
                "1909项",
                "1909项",
                "1850项",
                "有可能",
                "制度保障",
                "部分事项上级尚未下放",
                "跟进市级下放进度",
            ),
            ("产出指标", "数量指标", "服务人员", "服务人员100人次", "20人次", "40人次", "完全不可能", "", "", ""),
            ("满意度指标", "服务对象满意度", "服务对象满意度", "95%", "/", "95%", "确定能", "", "", ""),
        ],
    ),
    "区长专线日常经费": (
        1,
        0,
        1,
        0.55,
        "55.00%",
        1,
        [
            (
                "产出指标",
                "数量指标",
                "12345热线工单办结量",
                "工单量≥120000宗",
                "66000宗",
                "120000宗",
                "确定能",
                "",
                "",
                "",
            ),
            ("产出指标", "数量指标", "疑难工单现场协调量", "现场协调工单≥20次", "11次", "20次", "确定能", "", "", ""),
            ("效益指标", "经济效益", "12345工单办结率", "办结率≥99%", "年底统计", "99%", "确定能", "", "", ""),
            ("满意度指标", "服务对象满意度", "12345热线满意度", "满意度≥75%", "—", "75%", "确定能", "", "", ""),
        ],
    ),
}
# October: the first project again, 179.10 of 199 spent (exactly 90%, ten points from its 100% progress).
OCTOBER = {"办证大厅窗口服务经费": (199, 0, 199, 179.1, "90.00%", 199, JUNE["办证大厅窗口服务经费"][6])}
MONEY = ["年初预算数", "年度预算调整", "调整后预算数", "1-{m}月执行数", "1-{m}月执行率", "全年预计执行数"]
GRID = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "1-{m}月完成值",
    "全年预计完成值",
    "完成可能性",
    "偏差原因",
    "偏差原因说明",
    "改进措施",
]


def rows_layout(projects, month):
    """(rows, merges): one row per indicator, 项目名称 and the money merged down over its indicators."""
    header = ["项目名称"] + [h.format(m=month) for h in MONEY + GRID]
    rows = [
        [f"{DEPARTMENT}2021年1-{month}月项目支出绩效运行监控表"],
        [f"部门名称: {DEPARTMENT}"],
        ["单位:万元"],
        header,
    ]
    merges = [(1, 1, 1, len(header))]
    for name, (*money, indicators) in projects.items():
        first = len(rows) + 1
        for index, indicator in enumerate(indicators):
            rows.append(([name, *money] if index == 0 else [""] * 7) + list(indicator))
        merges += [(first, col, len(rows), col) for col in range(1, 8)]
    rows.append(["填表人: 张三", "", "", "联系电话: [电话已隐去]"])
    return rows, merges


def forms_layout(projects, month):
    """One form per project, stacked down the sheet with a blank row between them."""
    rows, merges = [], []
    for name, (*money, indicators) in projects.items():
        start = len(rows) + 1
        rows += [
            ["项目支出绩效运行监控表"],
            [f"(截至2021年{month}月底)"],
            ["主管部门", DEPARTMENT, "", "", "实施单位", DEPARTMENT],
            ["项目名称", name],
            ["项目资金(万元)"] + [h.format(m=month) for h in MONEY],
            ["年度资金总额", *money],
            [h.format(m=month) for h in GRID],
        ]
        merges += [(start, 1, start, 10), (start + 1, 1, start + 1, 10), (start + 3, 2, start + 3, 10)]
        rows += [list(indicator) for indicator in indicators]
        rows += [["填表人:", "", "", "审核人:"], []]
    return rows, merges


def cell_value(text):
    """Numbers as numbers, "30.00%" as a percent number, as a clerk's sheet stores them."""
    if isinstance(text, (int, float)):
        return text, "0.00"
    if isinstance(text, str) and text.endswith("%") and text[:-1].replace(".", "").isdigit():
        return float(text[:-1]) / 100, "0.00%"
    return text, None


def write_xlsx(path, rows, merges):
    book = Workbook()
    sheet = book.active
    for r, row in enumerate(rows, 1):
        for c, text in enumerate(row, 1):
            if text == "" or text is None:
                continue
            value, number_format = cell_value(text)
            sheet.cell(r, c, value)
            if number_format:
                sheet.cell(r, c).number_format = number_format
    for r1, c1, r2, c2 in merges:
        if (r1, c1) != (r2, c2):
            sheet.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    book.save(path)


def write_csv(path, rows):
    def shown(text):
        return f"{text:g}" if isinstance(text, float) else str(text)

    with open(path, "w", encoding="gb18030", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([[shown(t) for t in row] for row in rows])


def main():
    rows, merges = rows_layout(JUNE, 6)
    write_xlsx(HERE / "huadu-2021-06-rows.xlsx", rows, merges)
    write_csv(HERE / "huadu-2021-06-rows.csv", rows)
    rows, merges = forms_layout(JUNE, 6)
    write_xlsx(HERE / "huadu-2021-06-forms.xlsx", rows, merges)
    rows, _ = forms_layout(OCTOBER, 10)
    write_csv(HERE / "huadu-2021-10-form.csv", rows)
    # A table naming an indicator the department never set (工作时长 is no indicator of 区长专线日常经费).
    unknown = {name: figures for name, figures in JUNE.items()}
    money = list(JUNE["区长专线日常经费"])
    money[6] = money[6] + [("产出指标", "时效指标", "工作时长", "8小时", "8小时", "8小时", "确定能", "", "", "")]
    unknown["区长专线日常经费"] = tuple(money)
    rows, _ = rows_layout(unknown, 6)
    write_csv(HERE / "huadu-2021-06-unknown-indicator.csv", rows)


if __name__ == "__main__":
    main()
