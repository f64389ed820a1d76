"""What the budget cycle judges: target review (review.py, pure rules; applying.py stores them),
self-evaluation scoring (scoring.py) and mid-year monitoring (monitoring.py, monitoring_text.py).
See docs/architecture.md.
"""
