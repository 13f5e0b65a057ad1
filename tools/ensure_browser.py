"""Make sure a headless Chromium is available for the report's browser test.

Usage::

    python tools/ensure_browser.py

If ``/usr/bin/chromium`` (or another Chromium on ``PATH``) exists, nothing is done. Otherwise,
when running as root on Debian or Ubuntu, it runs ``apt-get update`` and
``apt-get install -y chromium`` quietly and with a time limit. It never fails the build: it
always exits with status 0 and prints what it did or why it could not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
TIMEOUT_S = 900


def find_chromium() -> str | None:
    """Return the path of a Chromium executable, or None when there is none."""
    for path in CANDIDATES:
        if Path(path).exists():
            return path
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _is_debian() -> bool:
    return Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None


def _run(cmd: list[str]) -> bool:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        done = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"ensure_browser: {' '.join(cmd)} failed: {exc}")
        return False
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        print(f"ensure_browser: {' '.join(cmd)} exited {done.returncode}: {' | '.join(tail)}")
        return False
    return True


def main() -> int:
    """Install Chromium when missing and possible; always return 0."""
    found = find_chromium()
    if found:
        print(f"ensure_browser: chromium found at {found}; nothing to do")
        return 0
    if not _is_debian():
        print("ensure_browser: no chromium and not a Debian system; the browser test will skip")
        return 0
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        print(
            "ensure_browser: no chromium and not root; install it with "
            "'sudo apt-get install chromium' to run the browser test"
        )
        return 0
    print("ensure_browser: installing chromium with apt-get (this can take a few minutes)")
    if not _run(["apt-get", "update", "-qq"]):
        return 0
    if not _run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        return 0
    found = find_chromium()
    if found:
        print(f"ensure_browser: installed chromium at {found}")
    else:
        print("ensure_browser: apt-get finished but no chromium executable was found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
