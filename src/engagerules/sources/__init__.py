"""Where data comes from: force configurations (schema, registry), events and waivers.

Internal: import the public API from `engagerules`.
"""
