"""Files in, validated records out, one transaction: everything that turns what a clerk brings into rows.

readers/ turn a container (CSV, XLSX, XLS, PDF, DOCX) into numbered rows of text; reading.py,
layouts.py and forms_layout.py find the header or the form and read its rows by meaning, with
the indicator grammar of indicators.py; records.py is the shape they hand on; writer.py and
reimport.py store it. See docs/architecture.md.
"""
