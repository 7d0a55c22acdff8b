"""The PostgreSQL backend's tables, their migrations, and the roles' GRANTs.

Two schemas, so that a plan-only role can be kept from every join link by
construction rather than by a list of tables to remember:

    provisioner          readable by the plan role: per workspace the head
                         (lineage, serial), the lease, the rooms without their
                         links, users, retiring rooms, pending creates, and
                         the history (journal and snapshots, links stripped)
    provisioner_secrets  the apply role only: the links of the current rooms,
                         of every journal entry and of every snapshot

Migrations run in order inside one transaction that holds a transaction-level
advisory lock (released at commit, so it is safe behind PgBouncer's
transaction pooling). `schema_version` holds how many have run; a database
migrated by a newer provisioner is refused rather than misread.
Pure text: no driver import, so `state grants` works without the extra.
"""

from __future__ import annotations

import re
from typing import Final

SCHEMA: Final = "provisioner"
SECRETS: Final = "provisioner_secrets"
MIGRATION_LOCK: Final = 0x70726F76  # "prov": serialises concurrent first uses

# The schemas themselves are made (when missing) before the first migration:
# CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when they exist.
_V1: Final = f"""
CREATE TABLE {SCHEMA}.schema_version (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version integer NOT NULL
);
CREATE TABLE {SCHEMA}.workspaces (
    workspace text PRIMARY KEY,
    lineage text,
    serial bigint NOT NULL DEFAULT 0,
    updated_at timestamptz,
    updated_by text
);
CREATE TABLE {SCHEMA}.locks (
    workspace text PRIMARY KEY,
    token bigint NOT NULL DEFAULT 0,
    lock_id text,
    command text,
    username text,
    host text,
    pid integer,
    ci_url text,
    since timestamptz,
    expires timestamptz
);
CREATE TABLE {SCHEMA}.rooms (
    workspace text NOT NULL,
    name text NOT NULL,
    room_id text NOT NULL,
    record jsonb NOT NULL,
    PRIMARY KEY (workspace, name)
);
CREATE TABLE {SCHEMA}.users (
    workspace text NOT NULL,
    user_id text NOT NULL,
    record jsonb NOT NULL,
    PRIMARY KEY (workspace, user_id)
);
CREATE TABLE {SCHEMA}.retiring (
    workspace text NOT NULL,
    room_id text NOT NULL,
    record jsonb NOT NULL,
    PRIMARY KEY (workspace, room_id)
);
CREATE TABLE {SCHEMA}.pending (
    workspace text NOT NULL,
    name text NOT NULL,
    record jsonb NOT NULL,
    PRIMARY KEY (workspace, name)
);
CREATE TABLE {SCHEMA}.journal (
    workspace text NOT NULL,
    serial bigint NOT NULL,
    lineage text NOT NULL,
    committed_at timestamptz NOT NULL DEFAULT now(),
    committed_by text NOT NULL,
    ops jsonb NOT NULL,
    PRIMARY KEY (workspace, serial)
);
CREATE TABLE {SCHEMA}.snapshots (
    workspace text NOT NULL,
    serial bigint NOT NULL,
    lineage text NOT NULL,
    committed_at timestamptz NOT NULL DEFAULT now(),
    committed_by text NOT NULL,
    document jsonb NOT NULL,
    PRIMARY KEY (workspace, serial)
);
CREATE TABLE {SECRETS}.room_links (
    workspace text NOT NULL,
    name text NOT NULL,
    urls jsonb NOT NULL,
    PRIMARY KEY (workspace, name)
);
CREATE TABLE {SECRETS}.journal_links (
    workspace text NOT NULL,
    serial bigint NOT NULL,
    links jsonb NOT NULL,
    PRIMARY KEY (workspace, serial)
);
CREATE TABLE {SECRETS}.snapshot_links (
    workspace text NOT NULL,
    serial bigint NOT NULL,
    links jsonb NOT NULL,
    PRIMARY KEY (workspace, serial)
);
"""

MIGRATIONS: Final[tuple[str, ...]] = (_V1,)
"""Migration n (1-based) takes the schema from version n-1 to n. Append only."""

LATEST: Final = len(MIGRATIONS)

ROLE_PATTERN: Final = r"[a-z_][a-z0-9_]{0,62}"

_GRANTS: Final = """\
-- The two roles of a shared provisioner state. Run once per database, as its
-- owner or a superuser (e.g. psql -v ON_ERROR_STOP=1 -f grants.sql DBNAME).
-- Give each role a password with \\password ROLE in psql, and the jobs that use
-- it through PGPASSWORD or ~/.pgpass: never in provisioner.yaml.

CREATE ROLE {apply} LOGIN;
CREATE ROLE {plan} LOGIN;
DO $$ BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO {apply}, {plan}',
                 current_database());
END $$;

-- The apply role owns the state: its first apply creates and migrates the
-- tables in these schemas, holds the lease and writes every version.
CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {apply};
CREATE SCHEMA IF NOT EXISTS {secrets} AUTHORIZATION {apply};

-- The plan role (pull-request jobs) reads rooms, recorded requests, serials,
-- history and the lock holder: everything in {schema}, now and later.
GRANT USAGE ON SCHEMA {schema} TO {plan};
GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {plan};
ALTER DEFAULT PRIVILEGES FOR ROLE {apply} IN SCHEMA {schema}
  GRANT SELECT ON TABLES TO {plan};

-- Nothing in {secrets}: the join links (current rooms, every old version).
-- Without USAGE on the schema no table in it can be read, whatever is granted.
REVOKE ALL ON SCHEMA {secrets} FROM PUBLIC;
"""


def grants_sql(plan_role: str, apply_role: str) -> str:
    """The SQL that creates the plan-only and apply roles and their rights."""
    for role in (plan_role, apply_role):
        if not re.fullmatch(ROLE_PATTERN, role):
            raise ValueError(
                f"{role!r} is not a plain role name (lowercase letters, digits "
                "and '_', starting with a letter or '_')"
            )
    return _GRANTS.format(
        apply=apply_role, plan=plan_role, schema=SCHEMA, secrets=SECRETS
    )
