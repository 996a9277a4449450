"""For rule authors: scenario tests, the reviewer's pages and the simulator.

Internal: import the public API from `engagerules`.
"""
