"""Error pages that touch no database: they are shown when the database is the problem."""

import sys

from django.db import DatabaseError
from django.template.response import SimpleTemplateResponse


def server_error(request):
    if isinstance(sys.exc_info()[1], DatabaseError):
        response = SimpleTemplateResponse("503.html", status=503)
        response["Retry-After"] = "60"
        return response.render()
    return SimpleTemplateResponse("500.html", status=500).render()
