"""The standard categories of 财预〔2015〕88号 / 财预〔2021〕101号 and the three usual funding
sources, so a new installation reads codes and colours consistently from the first import."""

from django.db import migrations

FUNDING_SOURCES = ["财政拨款", "财政专户拨款", "其他资金"]

CATEGORIES = {
    ("1", "产出指标", "output"): [("11", "数量指标"), ("12", "质量指标"), ("13", "时效指标"), ("14", "成本指标")],
    ("2", "效益指标", "outcome"): [("21", "经济效益"), ("22", "社会效益"), ("23", "生态效益"), ("24", "可持续影响")],
    ("3", "满意度指标", "satisfaction"): [("31", "服务对象满意度")],
    ("4", "成本指标", "cost"): [("41", "经济成本指标"), ("42", "社会成本指标"), ("43", "生态环境成本指标")],
}


def seed(apps, schema_editor):
    FundingSource = apps.get_model("budget", "FundingSource")
    Level1 = apps.get_model("budget", "Level1Category")
    Level2 = apps.get_model("budget", "Level2Category")
    for position, name in enumerate(FUNDING_SOURCES):
        FundingSource.objects.get_or_create(name=name, defaults={"position": position})
    for (code, name, kind), children in CATEGORIES.items():
        level1, _ = Level1.objects.get_or_create(name=name, defaults={"code": code, "kind": kind})
        for child_code, child_name in children:
            Level2.objects.get_or_create(level1=level1, name=child_name, defaults={"code": child_code})


class Migration(migrations.Migration):
    dependencies = [("budget", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
