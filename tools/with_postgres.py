"""Run a command with a throw-away PostgreSQL server for the person-index tests.

Usage::

    python tools/with_postgres.py COMMAND [ARGS...]

Finds PostgreSQL's server programs (``initdb``, ``pg_ctl``; on ``PATH``, from ``pg_config``
or under ``/usr/lib/postgresql/*/bin``). When they are missing and this runs as root on
Debian or Ubuntu, it installs the ``postgresql`` package with ``apt-get``. It then creates a
data directory in a temporary folder, starts a server on a free local port (as an
unprivileged user when running as root, since PostgreSQL refuses to run as root), runs
COMMAND with ``MR_TEST_POSTGRES_URL`` set to the server's URL, stops the server and removes
the folder. The exit status is COMMAND's.

When no server can be had, COMMAND still runs, with ``MR_TEST_POSTGRES_SKIP`` saying why;
the PostgreSQL tests then skip with that message.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

APT_TIMEOUT_S = 900


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        path = Path(out.stdout.strip())
        if (path / "pg_ctl").exists() and (path / "initdb").exists():
            return path
    for path_text in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        path = Path(path_text)
        if (path / "pg_ctl").exists() and (path / "initdb").exists():
            return path
    return None


def _install() -> str | None:
    """Install PostgreSQL with apt-get; returns why not when it cannot."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "PostgreSQL is not installed and apt-get cannot be run here (not root)."
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        for cmd in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
        ):
            subprocess.run(cmd, check=True, env=env, timeout=APT_TIMEOUT_S, capture_output=True)
    except (subprocess.SubprocessError, OSError) as exc:
        return f"installing PostgreSQL with apt-get failed: {exc}"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_user() -> tuple[list[str], str | None]:
    """Prefix that runs a command unprivileged, and the user it runs as."""
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        try:
            import pwd

            pwd.getpwnam(user)
        except KeyError:
            continue
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", user, "--"], user
    return [], None


def _start(bindir: Path, folder: Path) -> tuple[str | None, str]:
    """Start a server; returns (URL or None, message)."""
    prefix, user = _as_user()
    if os.geteuid() == 0 and user is None:
        return None, "running as root and no unprivileged user to run PostgreSQL as."
    data = folder / "data"
    data.mkdir()
    if user is not None:
        shutil.chown(folder, user=user)
        shutil.chown(data, user=user)
    folder.chmod(0o755)
    port = _free_port()
    init = [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "mr", "-E", "UTF8"]
    init += ["--locale=C", "--no-sync"]
    out = subprocess.run(prefix + init, capture_output=True, text=True)
    if out.returncode != 0:
        return None, f"initdb failed: {out.stderr.strip()[-500:]}"
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-o", options]
    start += ["-l", str(folder / "server.log"), "-w", "-t", "60", "start"]
    out = subprocess.run(prefix + start, capture_output=True, text=True)
    if out.returncode != 0:
        log = (folder / "server.log").read_text(errors="replace")[-500:]
        return None, f"pg_ctl start failed: {out.stderr.strip()} {log}"
    return f"postgresql://mr@127.0.0.1:{port}/postgres", ""


def _stop(bindir: Path, folder: Path) -> None:
    prefix, _ = _as_user()
    stop = [str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "-w", "stop"]
    subprocess.run(prefix + stop, capture_output=True, text=True)


def main(argv: list[str]) -> int:
    """Start a server, run the command, stop the server."""
    if not argv:
        print(__doc__)
        return 2
    env = dict(os.environ)
    bindir = _bindir()
    why = None
    if bindir is None:
        why = _install()
        bindir = _bindir()
        if bindir is None and why is None:
            why = "PostgreSQL was installed but initdb/pg_ctl were not found."
    if bindir is None:
        env["MR_TEST_POSTGRES_SKIP"] = str(why)
        print(f"with_postgres: no PostgreSQL server: {why}", file=sys.stderr)
        return subprocess.run(argv, env=env).returncode
    folder = Path(tempfile.mkdtemp(prefix="mr-pg-"))
    try:
        url, message = _start(bindir, folder)
        if url is None:
            env["MR_TEST_POSTGRES_SKIP"] = message
            print(f"with_postgres: {message}", file=sys.stderr)
        else:
            env["MR_TEST_POSTGRES_URL"] = url
            print(f"with_postgres: PostgreSQL at {url}", file=sys.stderr)
        try:
            return subprocess.run(argv, env=env).returncode
        finally:
            if url is not None:
                _stop(bindir, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
