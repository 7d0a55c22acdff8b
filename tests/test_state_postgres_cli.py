"""The CLI as a subprocess on a PostgreSQL state, against the emulator.

Two applies on one workspace, a holder killed with SIGKILL (directly and
through PgBouncer's transaction pooling), the server restarted mid-apply,
the plan-only role, migrate both ways, and the history commands.
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2ekit import Project, converged, text_of
from pgkit import Cluster

from provisioner.state import open_backend
from provisioner.state.pg_schema import grants_sql

ROOMS = {f"room-{i}": ["alice", "bob"] for i in range(8)}
LEASE = "lock_lease_seconds: 2\n"


def _holder(project: Project) -> Any:
    backend = open_backend(project.state_url or "", project.root)
    try:
        return backend.lock_holder()
    finally:
        backend.close()


def _wait(condition: Callable[[], Any], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _rooms_recorded(project: Project) -> int:
    return len(project.state()["rooms"])


def _apply(project: Project, *flags: str) -> subprocess.CompletedProcess[str]:
    return project.cli("apply", "--auto-approve", *flags)


def test_a_second_apply_fails_at_once_naming_the_holder_or_waits(
    tmp_path: Path, emulator: Any, pg_state: str
) -> None:
    emulator.configure(latency_ms=500)  # the first apply outlasts the second start
    project = Project(tmp_path, emulator, state=pg_state)
    project.write_rooms(ROOMS)
    first = project.popen("apply", "--auto-approve", "--parallelism", "2")
    _wait(lambda: _holder(project) is not None)
    started = time.monotonic()
    refused = _apply(project)
    assert time.monotonic() - started < 3  # < 1 s in the lock; the rest is start-up
    assert refused.returncode == 1, text_of(refused)
    assert "state is locked by apply by " in refused.stderr
    assert f"pid {first.pid} on " in refused.stderr
    waited = _apply(project, "--lock-timeout", "60s")
    assert waited.returncode == 0, text_of(waited)
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert converged(project, list(ROOMS)) == []


@pytest.mark.parametrize("via", ["server", "pgbouncer"])
def test_after_sigkill_the_next_apply_proceeds_within_the_lease_and_converges(
    tmp_path: Path, emulator: Any, pg_cluster: Cluster, via: str
) -> None:
    port = pg_cluster.bouncer() if via == "pgbouncer" else None
    url = pg_cluster.url(workspace=f"k{uuid.uuid4().hex[:8]}", port=port)
    emulator.configure(latency_ms=100)
    project = Project(tmp_path, emulator, LEASE, state=url)
    project.write_rooms(ROOMS)
    victim = project.popen("apply", "--auto-approve", "--parallelism", "2")
    _wait(lambda: _rooms_recorded(project) >= 2)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=10)
    assert _holder(project) is not None  # the dead holder's lease is still there
    started = time.monotonic()
    result = _apply(project, "--lock-timeout", "30s")
    assert result.returncode == 0, text_of(result)
    assert time.monotonic() - started < 2 + 10  # the lease, then the apply
    assert "stopped renewing its lease; recovering" in result.stderr
    assert converged(project, list(ROOMS)) == []


def test_a_server_restart_mid_apply_fails_cleanly_and_the_next_converges(
    tmp_path: Path, emulator: Any, pg_cluster: Cluster, pg_state: str
) -> None:
    emulator.configure(latency_ms=100)
    project = Project(tmp_path, emulator, LEASE, state=pg_state)
    project.write_rooms(ROOMS)
    running = project.popen("apply", "--auto-approve", "--parallelism", "2")
    _wait(lambda: _rooms_recorded(project) >= 2)
    pg_cluster.restart()
    _, err = running.communicate(timeout=60)
    assert running.returncode == 1, err
    assert "Traceback" not in err
    assert "the database is unreachable or dropped the connection" in err
    result = _apply(project, "--lock-timeout", "30s")
    assert result.returncode == 0, text_of(result)
    assert converged(project, list(ROOMS)) == []


def test_the_plan_role_plans_and_cannot_read_a_link(
    tmp_path: Path, emulator: Any, pg_cluster: Cluster
) -> None:
    db = pg_cluster.new_database()
    suffix = uuid.uuid4().hex[:6]
    plan, apply = f"plan_{suffix}", f"apply_{suffix}"
    pg_cluster.sql(grants_sql(plan, apply), db=db)
    project = Project(tmp_path, emulator, state=pg_cluster.url(db, apply))
    project.write_rooms({"standup": ["alice", "bob"]})
    assert _apply(project).returncode == 0
    project.write_rooms({"standup": ["alice", "bob"], "desk": ["alice", "bob"]})
    as_plan = project.env(PROVISIONER_STATE=pg_cluster.url(db, plan))
    planned = project.cli("plan", "--detailed-exitcode", env=as_plan)
    assert planned.returncode == 2, text_of(planned)
    assert "desk" in planned.stdout
    for command in (["output"], ["apply", "--auto-approve"]):
        refused = project.cli(*command, env=as_plan)
        assert refused.returncode == 1, text_of(refused)
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert "apply role" in refused.stderr
        assert "https://" not in refused.stdout + refused.stderr


def test_migrate_to_postgresql_and_back_keeps_everything(
    tmp_path: Path, emulator: Any, pg_state: str
) -> None:
    project = Project(tmp_path, emulator)
    project.write_rooms({"standup": ["alice", "bob"], "desk": ["alice", "bob"]})
    assert _apply(project).returncode == 0
    local = project.state()
    moved = project.cli("state", "migrate", "--to", pg_state)
    assert moved.returncode == 0, text_of(moved)
    assert project.state_path.exists()  # the source stays
    on_pg = Project(tmp_path, emulator, state=pg_state)
    assert on_pg.state() == local
    assert on_pg.cli("plan", "--detailed-exitcode").returncode == 0
    links = on_pg.cli("output", "--format", "json")
    assert "https://" in links.stdout
    back = tmp_path / "back.json"
    returned = on_pg.cli("state", "migrate", "--to", str(back))
    assert returned.returncode == 0, text_of(returned)
    assert Project(tmp_path, emulator).state() == local
    other = Project(tmp_path / "other", emulator)
    other.write_rooms({"lobby": ["alice", "bob"]})
    assert _apply(other).returncode == 0
    refused = other.cli("state", "migrate", "--to", pg_state)
    assert refused.returncode == 1
    assert "holds another state (lineage" in refused.stderr


def test_history_show_serial_lock_info_and_grants(
    tmp_path: Path, emulator: Any, pg_state: str
) -> None:
    project = Project(tmp_path, emulator, state=pg_state)
    project.write_rooms({"standup": ["alice", "bob"]})
    assert _apply(project).returncode == 0
    with_bob = project.state()["serial"]
    users = {"alice": {"role": "plus"}, "carol": {"role": "basic"}}
    project.write_rooms({"standup": ["alice", "carol"]}, users=users)
    assert _apply(project).returncode == 0
    history = project.cli("state", "history")
    assert history.returncode == 0, text_of(history)
    lines = history.stdout.splitlines()
    assert lines[0].split() == ["SERIAL", "COMMITTED", "BY"]
    serials = [int(line.split()[0]) for line in lines[1:]]
    assert serials == sorted(serials, reverse=True) and serials[-1] == 1
    assert "apply by " in lines[1]
    first = project.cli("state", "show", "standup", "--serial", str(with_bob))
    assert first.returncode == 0, text_of(first)
    assert "bob" in first.stdout and "https://" not in first.stdout
    info = project.cli("state", "lock-info")
    assert info.stdout.startswith("The state is not locked")
    grants = project.cli("state", "grants", "--plan-role", "pr_plan")
    assert "GRANT USAGE ON SCHEMA provisioner TO pr_plan;" in grants.stdout
