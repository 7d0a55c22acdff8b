r"""Kaleyra Video rooms as code.

Data flows one way, one folder per stage:

    files --config--> specs --plan--> Plan --render--> text | json | markdown
                                        \--apply--> Kaleyra API (kaleyra) --> state

config/    the only reader (and, for init and dump, writer) of the user's files
plan/      PURE: estate + state -> Plan (diff, safety, the saved-plan format)
render/    PURE: a Plan as text, JSON or markdown; no field could hold a link
apply/     runs a plan against the API; refresh, reconcile, progress, plan files
kaleyra/   the API client: key, retries, error mapping, redaction
state/     the state document and its backends (local file, PostgreSQL)
emulator/  the local Kaleyra API for tests and the demo
cli/       click commands: the only place errors become exit codes
ci/        the pull-request workflow: the plan comment (GitHub, GitLab), annotations,
           the Action's helpers
templates/ the CI files `init --ci` writes (the same as examples/)

Shared by every stage: errors.py (the exception tree), rules.py (the API's rules
as data), model.py (specs, settings, the canonical request), environment.py
(every environment variable, read in one place).
Dependencies point down: cli -> apply -> plan -> model/rules, and config ->
model/rules; no package imports one that imports it back.
"""

__version__ = "0.1.0"
