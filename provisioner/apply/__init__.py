"""Applying a plan to the API.

context.py    options, the stop flag and what every operation shares
writer.py     the one writer of the state (group commits)
ledger.py     outcomes, failures and the closing summary
records.py    state records and ops built from API answers
preflight.py  users and plus roles checked before the first change
rooms.py      create (intent first), replace, delete, retire an old room
users.py      create/update before rooms, delete/forget after
recover.py    pending creates and leftovers of an interrupted run
engine.py     the phases, bounded concurrency, stop on failure or signal
"""
