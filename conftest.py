"""Collect the bundled forces' scenario files (forces/<force>/tests/*.json) with pytest."""

pytest_plugins = ["engagerules.pytest_plugin"]
