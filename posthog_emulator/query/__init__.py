"""The `/query/` endpoint.

The request (api), the old-instance rules (compat), the simulated run time (cost)
and the persons faults that strike mid-read (person_churn, person_timeout).
"""
