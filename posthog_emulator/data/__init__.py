"""The seeded dataset a run serves.

dataset builds and holds it; eventstore and eventprops keep events; ids and duplicates shape
them as PostHog would; `gen/` makes each kind of record.
"""
