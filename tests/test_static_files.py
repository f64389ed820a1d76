"""Static files in production: served under names made from their content, which browsers may keep for years
(plotly.min.js is 3.5 MB); a new version of a file gets a new name, so nobody is served a stale one."""

import gzip
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import plotly
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parent.parent
PLOTLY = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def test_production_settings_serve_static_files_by_content_hashed_names():
    env = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "k" * 50, "DJANGO_ALLOWED_HOSTS": "example.org",
           "DJANGO_SETTINGS_MODULE": "budget.settings"}
    code = "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])"
    shown = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # Development and the tests (DJANGO_DEBUG) serve the source folders: nothing to collect first.
    assert settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


@pytest.fixture
def production_static(tmp_path):
    """The files collected as `make serve` does, and the production storage naming them."""
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": settings.STATIC_PRODUCTION_STORAGE}}
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path / "static"):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield


def test_a_page_names_plotly_by_its_content_and_browsers_keep_it_for_years(production_static, reference_table):
    client = Client()  # a new handler, whose whitenoise finds the files just collected
    page = client.get(reference_table.get_absolute_url())
    text = page.content.decode()
    digest = hashlib.md5(PLOTLY.read_bytes()).hexdigest()[:12]
    assert f'<script src="/static/plotly/plotly.min.{digest}.js" defer></script>' in text
    assert re.search(r'<script src="/static/js/charts\.[0-9a-f]{12}\.js" defer></script>', text)
    assert re.search(r'<link rel="stylesheet" href="/static/css/site\.[0-9a-f]{12}\.css">', text)
    # Still our own files: the Content-Security-Policy admits them as before.
    assert "script-src 'self'" in page["Content-Security-Policy"]

    served = client.get(f"/static/plotly/plotly.min.{digest}.js", HTTP_ACCEPT_ENCODING="gzip")
    assert served.status_code == 200
    assert served["Cache-Control"] == "max-age=315360000, public, immutable"
    assert served["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(served.streaming_content)) == PLOTLY.read_bytes()
    # The plain name, which no page uses, may change content: kept a minute only.
    assert client.get("/static/plotly/plotly.min.js")["Cache-Control"] == "max-age=60, public"
