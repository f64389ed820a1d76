"""Paste to parse (issue 20): a project's indicators from the 绩效指标 cell as published
("1.1-产出指标:11-数量指标:…;年度指标值:…") or from lines copied out of a spreadsheet
(一级 / 二级 / 三级 / [实施周期指标值 /] 年度指标值, tab-separated), read with the importer's grammar.
What cannot be read is returned too, to be shown and kept, never dropped."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budget import formats
from budget.importing import identity, lookups
from budget.importing import indicators as grammar
from budget.models import Indicator

HEADER_WORDS = ("一级", "二级", "三级")


def read_paste(text: str) -> tuple[list[grammar.IndicatorItem], list[str]]:
    """(indicators read, parts that could not be read)."""
    text = (text or "").strip()
    if not text:
        return [], []
    if "\t" not in text:
        cell = grammar.parse_indicator_cell(text)
        return cell.items, [cell.unparsed] if cell.unparsed else []
    items, unread = [], []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("\t")]
        if not any(cells) or not items and any(w in cells[0] for w in HEADER_WORDS) and "值" in line:
            continue  # a blank line or the header row
        if len(cells) < 4 or not all(cells[:3]):
            unread.append(line)
            continue
        level1_code, level1 = grammar.split_code(cells[0])
        level2_code, level2 = grammar.split_code(cells[1])
        period, annual = (cells[3], cells[4]) if len(cells) > 4 else (None, cells[3])
        items.append(
            grammar.IndicatorItem(
                len(items) + 1,
                level1,
                level1_code,
                level2,
                level2_code,
                grammar.clean_name(cells[2]),
                None,
                period or None,
                annual or None,
            )
        )
    return items, unread


def describe(item: grammar.IndicatorItem) -> str:
    target = grammar.target_of(item.period_value, item.annual_value)
    shown = f" → {formats.target(target.comparator, target.value, target.unit)}" if target else ""
    return f"{item.seq}. {item.level1} / {item.level2} / {item.name}:{item.annual_value or item.period_value or '—'}{shown}"


class PasteForm(forms.ModelForm):
    """The project form with the paste box: a first save shows what was read; a second, with 确认 ticked,
    adds the indicators after the project's own."""

    paste = forms.CharField(
        label=gettext_lazy("粘贴绩效指标"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=gettext_lazy("粘贴表中的「绩效指标」单元格,或从表格复制的 一级 / 二级 / 三级 / 指标值 各列"),
    )
    paste_confirmed = forms.BooleanField(label=gettext_lazy("确认添加读出的指标"), required=False)

    def clean(self):
        cleaned = super().clean()
        self.pasted, self.unread = read_paste(cleaned.get("paste"))
        if cleaned.get("paste") and not cleaned.get("paste_confirmed"):
            lines = [_("读出 {n} 个指标:").format(n=len(self.pasted)), *map(describe, self.pasted)]
            lines += [_("未能识别(保存时记入「未能识别的指标文本」):{text}").format(text=t) for t in self.unread]
            lines.append(_("核对无误后勾选「确认添加读出的指标」并再次保存。"))
            self.add_error("paste", ValidationError(lines))
        return cleaned


def add_pasted(project, items, unread) -> int:
    """Append the read indicators to the project (categories matched as on import); keep what was not read."""

    if not items and not unread:
        return 0
    categories = lookups.Categories()  # matched as an import matches them
    # Numbered after every indicator the project has by now, those added by hand in the same save included:
    # the pasted cell's own numbers (1, 2 …) would repeat the project's.
    last = project.indicators.aggregate(position=Max("position"), seq=Max("seq"))
    position = -1 if last["position"] is None else last["position"]
    seq = last["seq"] or 0
    for offset, item in enumerate(items, start=1):
        level2, _level1 = categories.level2(item)
        target = grammar.target_of(item.period_value, item.annual_value)
        Indicator.objects.create(
            project=project,
            position=position + offset,
            seq=seq + offset,
            level2=level2,
            level1_label=item.level1[: identity.CATEGORY_LABEL],
            level2_label=item.level2[: identity.CATEGORY_LABEL],
            level2_code=(item.level2_code or "")[: identity.LEVEL2_CODE],
            name=item.name[: identity.INDICATOR_NAME],
            period_value=item.period_value,
            annual_value=item.annual_value,
            comparator=target.comparator if target else "",
            target_value=target.value if target else None,
            target_unit=(target.unit or "")[: identity.TARGET_UNIT] if target else "",
        )
    if unread:
        kept = [project.unparsed_indicator_text, *unread]
        project.unparsed_indicator_text = "\n".join(t for t in kept if t)
        project.save(update_fields=["unparsed_indicator_text"])
    return len(items)
