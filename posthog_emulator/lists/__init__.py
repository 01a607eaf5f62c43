"""The REST list endpoints.

Entities and catalog lists, definitions, persons, recordings, the legacy events list (filters,
render), and the pagination they share.
"""
