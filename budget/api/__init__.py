"""Open data: the read-only JSON API (views.py), its bulk files (bulk.py) and the page that lists them."""
