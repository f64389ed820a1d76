"""Words the public pages show in the reader's language: the names the system itself knows (funding
sources, indicator categories, grades) and every review and scoring finding.

A finding is stored as {"code", "severity", "params", "message"}: the code and its parameters are the
finding; `message` is the Chinese sentence kept for the reviewer's opinions, which quote it. Pages
and exports build the sentence from code and parameters in the language asked for (`text`). Data
the system does not know (a department's own category or source name) is shown as written.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

# Names of 财预〔2015〕88号 / 财预〔2021〕101号 and the usual funding sources, as the seed writes them.
KNOWN_NAMES = frozenset((
    gettext_noop("财政拨款"), gettext_noop("财政专户拨款"), gettext_noop("其他资金"), gettext_noop("未分来源"),
    gettext_noop("其余部门合计"),
    gettext_noop("产出指标"), gettext_noop("效益指标"), gettext_noop("满意度指标"), gettext_noop("成本指标"),
    gettext_noop("数量指标"), gettext_noop("质量指标"), gettext_noop("时效指标"),
    gettext_noop("经济效益"), gettext_noop("社会效益"), gettext_noop("生态效益"), gettext_noop("可持续影响"),
    gettext_noop("服务对象满意度"), gettext_noop("经济成本指标"), gettext_noop("社会成本指标"),
    gettext_noop("生态环境成本指标"),
    gettext_noop("优"), gettext_noop("良"), gettext_noop("中"), gettext_noop("差"),
))  # fmt: skip


def known(name) -> str:
    """A name the system knows, in the reader's language; anything else exactly as written."""
    name = "" if name is None else str(name)
    return gettext(name) if name in KNOWN_NAMES else name


# code (or code:context) → the sentence, with %(…)s parameters; %(where)s names the indicator.
TEMPLATES = {
    "no-indicators": gettext_noop("项目没有绩效指标"),
    "missing-category": gettext_noop("缺少%(category)s"),
    "missing-output-quantity": gettext_noop("产出指标下缺少数量指标"),
    "missing-output-quality": gettext_noop("产出指标下缺少质量指标"),
    "low-numeric-share": gettext_noop("只有%(numeric)s/%(total)s项指标(%(percent)s%%)有可量化的目标值,指标未细化量化"),
    "vague-target": gettext_noop("%(where)s的指标值“%(value)s”只说“%(word)s”,无法检验是否达成"),
    "indicator-without-name": gettext_noop("%(where)s没有名称"),
    "duplicate-indicator": gettext_noop("%(where)s在项目中出现了%(count)s次"),
    "period-annual-differ": gettext_noop("%(where)s的实施周期指标值“%(period)s”与年度指标值“%(annual)s”不一致"),
    "percent-above-100": gettext_noop("%(where)s的目标值%(target)s%%超过100%%,该比率不可能达到"),
    "rate-not-percent": gettext_noop("%(where)s是比率,目标值却是“%(target)s%(unit)s”"),
    "satisfaction-below-usual": gettext_noop("%(where)s的目标值%(target)s%%低于通常的%(floor)s%%"),
    "cost-as-percent": gettext_noop("成本类%(where)s的目标值是百分比“%(target)s%%”,没有给出成本金额"),
    "reconciliation": gettext_noop("金额不平:%(detail)s"),
    "target-below-peers": gettext_noop("%(where)s的目标值%(target)s低于同类指标的中位数%(median)s(%(count)s个部门)"),
    # self-evaluation scoring
    "partial-weights": gettext_noop("只有部分指标给出了权重,各类指标按类别平均分配分值"),
    "unknown-category": gettext_noop("%(where)s的一级指标“%(category)s”不属于可计分的类别,无法计分"),
    "unit-mismatch": gettext_noop("%(where)s的实际完成值“%(actual)s”与目标值的单位“%(unit)s”不一致,无法计分"),
    "points-differ": gettext_noop("%(where)s的评价得分%(given)s与按规则计算的%(computed)s不同,以计算结果为准"),
    "points-above-max": gettext_noop("%(where)s的评价得分%(given)s超过分值%(max)s,按分值计"),
    "actual-not-a-number": gettext_noop("%(where)s的实际完成值“%(actual)s”不是一个数字,需要评价人给出得分"),
    "missing-actual": gettext_noop("%(where)s缺少实际完成值"),
    "qualitative-without-points": gettext_noop("%(where)s是定性指标,需要评价人给出得分"),
    "missed-without-reason": gettext_noop("%(where)s未达到目标(得分%(points)s/%(max)s),但没有填写偏差原因"),
    "no-indicators:score": gettext_noop("项目没有绩效指标,无法计分"),
    "missing-executed": gettext_noop("缺少全年执行数,无法计算预算执行率"),
    "zero-budget": gettext_noop("全年预算数为0,无法计算预算执行率"),
    "over-executed": gettext_noop("全年执行数超过预算数,执行率%(rate)s%%,按100%%计分"),
}
# Findings stored before they carried parameters: in another language, what kind of finding it is.
GENERIC = gettext_noop("审核发现")


def where_params(indicator) -> dict:
    """How a finding names an indicator: by name, or by number and categories when it has none."""
    if indicator.name:
        return {"indicator": indicator.name}
    level2 = indicator.level2_label or getattr(getattr(indicator, "level2", None), "name", "") or ""
    return {"seq": indicator.seq, "labels": [x for x in (indicator.level1_label, level2) if x]}


def _where(params: dict) -> str:
    if params.get("indicator"):
        return gettext("指标「%(name)s」") % {"name": params["indicator"]}
    if "seq" not in params:
        return ""
    labels = "/".join(known(x) for x in params.get("labels") or [])
    if labels:
        return gettext("第%(seq)s项指标(%(labels)s)") % {"seq": params["seq"], "labels": labels}
    return gettext("第%(seq)s项指标") % {"seq": params["seq"]}


def _key(code: str, params: dict) -> str:
    return f"{code}:{params['context']}" if params.get("context") else code


def text(finding: dict) -> str:
    """The finding's sentence in the active language."""
    params = finding.get("params")
    code = finding.get("code", "")
    if params is None or _key(code, params) not in TEMPLATES:
        if translation.get_language() in (None, "zh-hans") or not finding.get("code"):
            return finding.get("message", "")
        from budget.worklist import FINDING_LABELS

        label = FINDING_LABELS.get(code) or FINDING_LABELS.get(f"{code}:{_kind(finding)}")
        return str(label) if label else gettext(GENERIC)
    values = dict(params)
    if "category" in values:  # the one parameter that is a name the system may know; values stay as written
        values["category"] = known(values["category"])
    values["where"] = _where(params)
    sentence = gettext(TEMPLATES[_key(code, params)]) % values
    return sentence[:1].upper() + sentence[1:]  # "indicator “…” has no name" starts an English sentence


def _kind(finding: dict) -> str:
    from budget.evaluation.review import CATEGORY_NAMES

    message = finding.get("message", "")
    return next((k for k, name in CATEGORY_NAMES.items() if name in message), "")


def make(code: str, severity: str, **params) -> dict:
    """A finding: code, severity and parameters, with its Chinese sentence for the reviewer's opinions."""
    finding = {"code": code, "severity": severity, "params": params}
    with translation.override("zh-hans"):
        finding["message"] = text(finding)
    return finding


# Import data-quality flags (budget/importing/layouts.py, budget/importing/form_tables.py …) keep the source's words in their message;
# a reader of another language gets what kind of flag it is, the row beside it, and the source's words on the
# Chinese page, in the admin and in the export.
FLAG_LABELS = {
    "reconciliation": gettext_noop("金额勾稽不平"),
    "unparsed-indicator-text": gettext_noop("绩效指标中有未能识别的文字,已原样保留"),
    "indicator-without-name": gettext_noop("指标没有三级指标名称"),
    "indicator-without-level2": gettext_noop("指标没有二级指标"),
    "project-without-indicators": gettext_noop("项目没有绩效指标"),
    "row-without-name": gettext_noop("有金额但没有名称的行"),
    "note-row": gettext_noop("注释行,未作为项目导入"),
    "footer-row": gettext_noop("表尾或签章行,未作为项目或指标导入"),
    "name-cleaned": gettext_noop("名称中的模板占位符或标记已去掉"),
    "unstructured-column": gettext_noop("无法归类的列,内容已原样保留"),
    "department-differs": gettext_noop("文件中的部门名称与指定的部门不同"),
    "amount-note": gettext_noop("金额旁的说明已保留"),
    "source-detail": gettext_noop("资金来源明细"),
    "total-from-sources": gettext_noop("合计由各资金来源相加得出"),
    "long-term-indicator": gettext_noop("长期指标与年度指标不同,已原样保留"),
    "category-score": gettext_noop("一级指标名称中的分值已去掉"),
    "excel-date": gettext_noop("Excel 日期序号已读作日期"),
    "budget-item": gettext_noop("项目预算构成中的明细行,已原样保留"),
    "level1-implied": gettext_noop("一级指标按二级指标的归属读出"),
    "values-by-column": gettext_noop("指标值按地区或子项目分列,没有统一的目标值"),
}


def flag_text(flag) -> str:
    """A stored import flag in the active language: its message in Chinese, what kind of flag it is otherwise."""
    if translation.get_language() in (None, "zh-hans"):
        return flag.message
    return gettext(FLAG_LABELS.get(flag.code, "数据质量提示"))
