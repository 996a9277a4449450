"""Evaluation: the event index, one module per obligation kind, schedule, agenda and explain.

Internal: import the public API from `engagerules`.
"""
