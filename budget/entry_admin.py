"""Data entry in the admin as a clerk uses it (issue 20): amounts as finance staff write them, indicators in
a layout that fits the screen with their target read from the value text, findings as readable lists."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from budget import formats
from budget.importing import indicators as grammar
from budget.models import Indicator

# An amount as a clerk types it: 2,616.61 or 2616.61 or 2616.61万 / 2616.61万元 (the tables are in 万元).
_AMOUNT_SUFFIX = re.compile(r"\s*万元?\s*$")


def is_amount(db_field) -> bool:
    """Amounts are the 万元 columns (six decimals); weights, scores and targets are other numbers."""
    return isinstance(db_field, models.DecimalField) and db_field.decimal_places == 6


def plain_number(value) -> str:
    """A number without trailing zeros: 22, 0.5, 120000 (not 22.00000000)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return formats.number(number)


class AmountInput(forms.TextInput):
    def format_value(self, value):
        if value is None or value == "":
            return None
        try:
            return formats.amount(Decimal(value))
        except (InvalidOperation, TypeError, ValueError):
            return str(value)  # what the clerk typed, shown back with its error


class NumberInput(forms.TextInput):
    def format_value(self, value):
        return plain_number(value) or None


class AmountField(forms.DecimalField):
    """Accepts 2,616.61, 2616.61 and 2616.61万; shows 2,616.61."""

    widget = AmountInput

    def to_python(self, value):
        if isinstance(value, str):
            value = _AMOUNT_SUFFIX.sub("", value.replace(",", "").replace(",", "").strip())
        return super().to_python(value)

    def widget_attrs(self, widget):
        return {"inputmode": "decimal", "class": "amount"}


class PlainNumberField(forms.DecimalField):
    widget = NumberInput

    def widget_attrs(self, widget):
        return {"inputmode": "decimal", "class": "number"}


class ClerkNumbers:
    """Every decimal of an admin form in the clerk's notation (amounts with thousands separators)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DecimalField):
            kwargs["form_class"] = AmountField if is_amount(db_field) else PlainNumberField
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class EntryMedia:
    class Media:
        css = {"all": ["css/admin-entry.css"]}


def findings_html(findings) -> str:
    """Review findings or flags as the public pages list them: a severity badge, the message, the code."""
    return render_to_string("budget/_findings.html", {"findings": findings or [], "codes": True})


# -- indicators -----------------------------------------------------------------------------------------


def apply_target(indicator: Indicator) -> Indicator:
    target = grammar.target_of(indicator.period_value, indicator.annual_value)
    indicator.comparator = target.comparator if target else ""
    indicator.target_value = target.value if target else None
    indicator.target_unit = (target.unit or "")[:50] if target else ""
    return indicator


def badge(severity: str) -> str:
    """A severity badge as the pages show it (templates/budget/_badge.html)."""
    return render_to_string("budget/_badge.html", {"severity": severity})


class IndicatorForm(forms.ModelForm):
    """The target (comparator, value, unit) is not typed: it is read from the value text on every save, with
    the importer's grammar, so the text beside it and the target can never disagree."""

    class Meta:
        model = Indicator
        fields = ["position", "seq", "level2", "name", "period_value", "annual_value"]
        widgets = {
            "period_value": forms.Textarea(attrs={"rows": 1, "cols": 16}),
            "annual_value": forms.Textarea(attrs={"rows": 1, "cols": 16}),
            "name": forms.TextInput(attrs={"size": 24}),
            "position": forms.NumberInput(attrs={"class": "narrow"}),
            "seq": forms.NumberInput(attrs={"class": "narrow"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("position", "seq"):  # an empty one takes the next number (IndicatorFormSet)
            self.fields[name].required = False

    def save(self, commit=True):
        indicator = apply_target(super().save(commit=False))
        if commit:
            indicator.save()
        return indicator


class IndicatorFormSet(forms.BaseInlineFormSet):
    """A row added by hand may leave 顺序 and 序号 empty: it takes the next numbers after every indicator of the
    project, stored or typed in this save, in the order of the rows, so that no two indicators share a position
    and they stand as the clerk sees them. Indicators pasted in the same save come after (importing/paste.py)."""

    FIRST = {"position": 0, "seq": 1}  # as the importer numbers them

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        stored = {}
        if self.instance.pk:
            stored = self.instance.indicators.aggregate(position=Max("position"), seq=Max("seq"))
        for field, first in self.FIRST.items():
            numbers = [stored.get(field), *(f.cleaned_data.get(field) for f in kept)]
            last = max((n for n in numbers if n is not None), default=None)
            for form in kept:
                if form.cleaned_data.get(field) is None:
                    last = first if last is None else last + 1
                    form.cleaned_data[field] = last
                    setattr(form.instance, field, last)

    def save_existing_objects(self, commit=True):
        if commit:
            self.make_room()
        return super().save_existing_objects(commit)

    def make_room(self):
        """Rows that move or go are first set above every position, so that two indicators can swap places in
        one save without meeting on the way (the database keeps one indicator per position at every moment)."""
        moving = [f.instance.pk for f in self.initial_forms
                  if self._should_delete_form(f) or "position" in f.changed_data]
        if moving:
            top = self.instance.indicators.aggregate(m=Max("position"))["m"] + 1
            Indicator.objects.filter(pk__in=moving).update(position=F("position") + top)

    def get_unique_error_message(self, unique_check):
        names = "、".join(str(self.model._meta.get_field(f).verbose_name) for f in unique_check if f != "project")
        return _("两个指标的「{fields}」相同:每个指标的{fields}各不相同,请改正").format(fields=names)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    form = IndicatorForm
    formset = IndicatorFormSet
    extra = 0
    fields = ["position", "seq", "level2", "name", "period_value", "annual_value", "parsed_target"]
    readonly_fields = ["parsed_target"]
    autocomplete_fields = ["level2"]
    classes = ["compact-indicators"]

    @admin.display(description=_("解析出的目标"))
    def parsed_target(self, obj):
        return formats.target_of(obj) if obj and obj.pk else "—"


class ResultsFormSet(forms.BaseInlineFormSet):
    """Weights and self-evaluation of the same indicators, saved field by field so that an edit here and one
    in the indicator rows above do not overwrite each other."""

    @classmethod
    def get_default_prefix(cls):
        return "indicator_results"

    def save_existing(self, form, obj, commit=True):
        indicator = form.save(commit=False)
        if commit:
            indicator.save(update_fields=list(form.changed_data))
        return indicator


class IndicatorResultsInline(ClerkNumbers, admin.TabularInline):
    model = Indicator
    formset = ResultsFormSet
    extra = 0
    max_num = 0  # indicators are added above; here only their weight and results
    can_delete = False
    verbose_name = _("权重与自评")
    verbose_name_plural = _("权重与自评")
    fields = ["indicator_name", "weight", "actual_value", "actual_points", "deviation_reason"]
    readonly_fields = ["indicator_name"]
    classes = ["collapse"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 1, "cols": 24})},
    }

    @admin.display(description=_("三级指标"))
    def indicator_name(self, obj):
        return str(obj)
