"""What engagerules writes: the contract's JSON shapes, text, Markdown, JUnit, HTML and calendars.

Internal: import the public API from `engagerules`.
"""
