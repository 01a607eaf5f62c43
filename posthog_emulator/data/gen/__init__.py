"""Record generators, one per kind.

Projects and entities, catalog lists, definitions, events, people, groups and recordings, all drawn
from one seeded random source, so a seed always gives the same data.
"""
