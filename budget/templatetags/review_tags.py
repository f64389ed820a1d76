"""What waits for the signed-in user, on the admin home: no mail is needed on an intranet."""

from django import template

from budget import worklist

register = template.Library()


@register.inclusion_tag("budget/review/_waiting.html", takes_context=True)
def review_waiting(context):
    user = context["request"].user
    return {"waiting": worklist.waiting(user) if user.is_authenticated else None}
