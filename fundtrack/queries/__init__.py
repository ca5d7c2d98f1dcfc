"""Read models: one query per question, each returning named rows.

The use cases in :mod:`fundtrack.services` ask these to check their rules (what is left
of a grant, what is allocated to it); the reports and listings read them. Nothing here
writes.
"""
