"""The live state all request threads share.

runtime (dataset, keys, settings in force, request log), the API keys and their scopes (auth), and
groups changed between syncs (group_touch).
"""
