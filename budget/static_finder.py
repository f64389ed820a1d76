"""plotly.js from the plotly package, and nothing else of it: the package's data folder also holds 52 MB of
sample datasets that collectstatic would copy and compress for no page (intranets have no CDN, so the script
itself is served from our own static files)."""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PREFIX = "plotly"
SCRIPT = "plotly.min.js"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        self.storage = FileSystemStorage(location=Path(plotly.__file__).parent / "package_data")
        self.storage.prefix = PREFIX  # collectstatic writes the file under static/plotly/

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        found = self.storage.path(SCRIPT) if path == f"{PREFIX}/{SCRIPT}" else None
        if find_all:
            return [found] if found else []
        return found or []

    def list(self, ignore_patterns):
        yield SCRIPT, self.storage
