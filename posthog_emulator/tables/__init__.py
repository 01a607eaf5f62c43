"""HogQL's tables as the engine reads them.

events (scanned in storage order) and the others: their rows (rows, sessions), conditions on a
row (row_eval), keyset pages (keyset) and a sorted persons index (person_index).
"""
