"""Applying a plan to the API, and the reads around it.

context.py    options, the stop flag and what every operation shares
writer.py     the one writer of the state (group commits)
ledger.py     outcomes, failures and the closing summary
records.py    state records and ops built from API answers
preflight.py  users and plus roles checked before the first change
rooms.py      create (intent first), replace, delete, retire an old room
users.py      create/update before rooms, delete/forget after
recover.py    pending creates and leftovers of an interrupted run
engine.py     the phases, bounded concurrency, stop on failure or signal
run.py        one apply: recover, execute, finish (what the CLI calls)
connect.py    the API client for the settings and the key
patience.py   the client as apply sees it: waits out rate limits
refresh.py    every managed room and user read back (drift, RUNNING, users gone)
reconcile.py  finding the room a create may have made when its answer was lost
adoption.py   an existing room read back and adopted (import)
entries.py    the moved, import and removed entries applied (state only)
drift.py      `drift`: the address probed, every managed room and user read back
dump.py       `dump`: the rooms on the API read back (room/list, room/info)
progress.py   what a run shows while it works, and its closing summary
planfile.py   saved plans on disk (`plan --out`, `apply FILE`)
"""
