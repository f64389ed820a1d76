"""Monitoring warnings in words: codes and parameters (stored) → a sentence in the reader's language."""

from django.utils.translation import gettext as _


def message(warning: dict) -> str:
    """The warning in the active language; its figures come from the stored parameters."""
    params, code = warning.get("params", {}), warning["code"]
    if code == "execution-behind":
        return _("1-%(month)s月执行率 %(rate)s%% 低于时间进度要求 %(threshold)s%%") % params
    if code == "forecast-short":
        return _("全年预计执行数 %(forecast)s 万元仅为调整后预算数 %(budget)s 万元的 %(share)s%%,低于 %(minimum)s%%") % params
    if code == "target-at-risk":
        return _("指标「%(indicator)s」完成可能性为「%(likelihood)s」") % (params | {"indicator": warning["indicator"]})
    if code == "deviation-reason-missing":
        return _("指标「%(indicator)s」可能无法完成,但未填写偏差原因") % {"indicator": warning["indicator"]}
    if code == "progress-gap":
        return _("目标完成进度 %(progress)s%% 与预算执行率 %(rate)s%% 相差超过 %(gap)s 个百分点") % params
    return code
