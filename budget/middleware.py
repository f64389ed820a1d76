from django.conf import settings
from django.contrib.auth.views import redirect_to_login

# Paths a visitor needs even when browsing is restricted: logging in, static files, language.
OPEN_PREFIXES = ("/admin/", "/static/", "/i18n/")


class PublicReadMiddleware:
    """DJANGO_PUBLIC_READ=false keeps the pages for signed-in users only (default: public disclosure)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PUBLIC_READ and not request.user.is_authenticated and not request.path.startswith(OPEN_PREFIXES):
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
