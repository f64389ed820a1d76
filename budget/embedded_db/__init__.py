"""A PostgreSQL backend that starts the embedded server (pgserver) on first connection.

Used when DATABASE_URL is unset, so a newcomer needs nothing installed but Python.
The server keeps its data under var/pg and stops when the last process using it exits.
"""
