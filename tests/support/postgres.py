"""A throwaway PostgreSQL server on 127.0.0.1 for tests, from Debian's binaries.

``initdb`` and ``pg_ctl`` are found on PATH or under /usr/lib/postgresql/*/bin.
PostgreSQL refuses to run as root: as root the server runs as the ``postgres``
user (through ``runuser``), in a folder that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binary(name: str) -> str | None:
    """``initdb``/``pg_ctl``, on PATH or in Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def missing() -> str | None:
    """Why no server can be started here, or None."""
    if binary("initdb") is None or binary("pg_ctl") is None:
        return "PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql)"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or _uid("postgres") is None):
        return "running as root without a 'postgres' user to run the server as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return 'psycopg is not installed (pip install "textops[postgres]")'
    return None


def _uid(user: str) -> int | None:
    import pwd

    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server with a database ``optuna``; yields its URL; stops and removes it.

    Its folder is a fresh one under the system's temporary folder (pytest's are
    private to root, where the server's user could not reach them).
    """
    folder = Path(tempfile.mkdtemp(prefix="textops-pg-"))
    data = folder / "pgdata"
    if os.geteuid() == 0:
        uid = _uid("postgres")
        assert uid is not None
        os.chown(folder, uid, -1)
    port = _free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
    subprocess.run(_as_server_user([str(binary("initdb")), "-D", str(data), "-U", "textops",
                                    "--auth=trust", "-E", "UTF8"]), **quiet)  # type: ignore[call-overload]
    options = f"-h 127.0.0.1 -p {port} -k {folder}"
    subprocess.run(_as_server_user([str(binary("pg_ctl")), "-D", str(data), "-o", options,
                                    "-l", str(folder / "server.log"), "-w", "start"]), **quiet)  # type: ignore[call-overload]
    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="textops", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute("CREATE DATABASE optuna")
        yield f"postgresql://textops:secret@127.0.0.1:{port}/optuna"
    finally:
        subprocess.run(_as_server_user([str(binary("pg_ctl")), "-D", str(data), "-m", "immediate",
                                        "stop"]), check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
