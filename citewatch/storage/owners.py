"""Who a process is, for the leases it holds (job claims, runs), and whether another holder is still alive.

An owner is `host:pid:token`. On the same host a holder whose process is gone is known dead at once, so a run
started after a kill takes over straight away; a holder on another host is trusted until its lease runs out.
The token tells a reused process id from the process that took the lease.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

_owner: dict[int, str] = {}


def this_process() -> str:
    """This process's owner name (a forked or spawned child gets its own)."""
    pid = os.getpid()
    if pid not in _owner:
        _owner[pid] = f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:12]}"
    return _owner[pid]


def known_dead(owner: str) -> bool:
    """True only when `owner` ran on this host and its process no longer exists."""
    host, _, rest = owner.rpartition(":")[0].rpartition(":")
    if host != socket.gethostname() or not rest.isdigit():
        return False
    pid = int(rest)
    if pid == os.getpid():
        return owner != this_process()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed child its parent has not reaped yet still answers signal 0; Linux says it is a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return stat.rpartition(")")[2].split()[0] in {"Z", "X"}
    except (OSError, IndexError):
        return False
