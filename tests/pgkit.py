"""A private PostgreSQL cluster (and PgBouncer) for the shared-state tests.

``pg_cluster`` (session) initialises a cluster in a temporary folder with
Debian's binaries (/usr/lib/postgresql/*/bin, newest first) on a free loopback
port, trusting loopback connections, and stops it at the end. As root the
server runs as the ``postgres`` user (PostgreSQL refuses root).

    cluster.url(db="postgres", user="postgres", workspace=None)
    cluster.sql(statement, db="postgres")   run SQL as the superuser
    cluster.new_database()                  a fresh database's name
    cluster.restart()                       stop and start again (same port)
    cluster.bouncer()                       PgBouncer in transaction pooling
                                            mode in front of it: its port

``pg_state`` (function) is a fresh workspace's state URL in a shared database.
Without the binaries the tests skip, except under CI=true, where they fail:
CI must not pass by testing nothing.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TEST_DB = "provisioner_test"


def _pg_bin() -> Path | None:
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found.sort(key=lambda p: int(Path(p).parent.parent.name), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_owner() -> dict[str, Any]:
    """subprocess keywords that drop root for the server's user."""
    if os.getuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres", "extra_groups": []}


class Cluster:
    """One PostgreSQL server on 127.0.0.1, owned by this test session."""

    def __init__(self, bindir: Path, durable: bool = False) -> None:
        self.bin = bindir
        self.durable = durable
        """fsync on (benchmarks); tests run without it, for speed."""
        self.base = Path(tempfile.mkdtemp(prefix="provisioner-pg-"))
        if os.getuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        self.data = self.base / "data"
        self.port = free_port()
        self._bouncer: subprocess.Popen[bytes] | None = None
        self._bouncer_port = 0

    def _run(self, *args: str) -> None:
        subprocess.run(
            args, check=True, capture_output=True, cwd=self.base, **_as_owner()
        )

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        self.start()
        self.sql(f"CREATE DATABASE {TEST_DB}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200"
        )
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
            str(self.base / "server.log"), "-o", options, "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(
        self,
        db: str = TEST_DB,
        user: str = "postgres",
        workspace: str | None = None,
        port: int | None = None,
    ) -> str:
        query = f"?workspace={workspace}" if workspace else ""
        return f"postgresql://{user}@127.0.0.1:{port or self.port}/{db}{query}"

    def sql(self, statement: str, db: str = "postgres") -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    def new_database(self) -> str:
        name = f"db_{uuid.uuid4().hex[:10]}"
        self.sql(f"CREATE DATABASE {name}")
        return name

    def bouncer(self) -> int:
        """PgBouncer (transaction pooling) in front of this server; its port."""
        if self._bouncer is not None:
            return self._bouncer_port
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        port = free_port()
        ini = self.base / "pgbouncer.ini"
        ini.write_text(
            f"[databases]\n* = host=127.0.0.1 port={self.port}\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n"
            "unix_socket_dir =\nauth_type = trust\n"
            f"auth_file = {self.base / 'users.txt'}\npool_mode = transaction\n"
            "default_pool_size = 3\nmax_client_conn = 200\n"
            f"logfile = {self.base / 'pgbouncer.log'}\n",
            encoding="utf-8",
        )
        (self.base / "users.txt").write_text('"postgres" ""\n', encoding="utf-8")
        self._bouncer = subprocess.Popen(
            [binary, "-q", str(ini)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **_as_owner(),
        )
        self._bouncer_port = port
        _wait_for_port(port)
        return port

    def close(self) -> None:
        if self._bouncer is not None:
            self._bouncer.terminate()
            self._bouncer.wait(timeout=10)
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    bindir = _pg_bin()
    if bindir is None or not (bindir / "pg_ctl").exists():
        message = "PostgreSQL server binaries not found (apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    cluster = Cluster(bindir)
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def pg_state(pg_cluster: Cluster) -> str:
    """A state URL naming a workspace no other test uses."""
    return pg_cluster.url(workspace=f"ws-{uuid.uuid4().hex[:10]}")
