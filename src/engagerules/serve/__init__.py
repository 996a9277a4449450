"""`engagerules serve`: duty calendars officers subscribe to, and an HTTP API for force systems.

The server is an edge: it reads and writes its store (`store.py`), turns requests into calls
of the same pure functions the CLI calls (`schedule`, `duty_calendar`, `evaluate`,
`explain`) and their results into the same bytes and JSON shapes. Nothing is judged here
that `check` would judge differently. It is an optional extra (`engagerules[serve]`).
"""
