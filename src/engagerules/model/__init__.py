"""The model and time: a force's plan as frozen values, durations, periods, conditions and results.

Internal: import the public API from `engagerules`.
"""
