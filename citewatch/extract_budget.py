"""Extraction with a time budget, for unattended runs: one pathological page must not stall a campaign.

An extractor is pure lxml and Python, and an XPath query running inside libxml2 cannot be interrupted from
Python: neither a thread nor a signal stops it safely. So the extraction runs in a child process (spawned
once, then reused), and a child that overruns its budget is killed; the capture then records an `error`
extraction saying so, and its stored snapshot can be read again with `citewatch replay`.
"""

from __future__ import annotations

import logging
import multiprocessing
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from citewatch.extract import extract_snapshot, failed_extraction
from citewatch.models import Extraction, Snapshot

log = logging.getLogger(__name__)


def _serve(connection: Connection) -> None:
    """The child: extract every snapshot it is sent until its parent goes away."""
    while True:
        try:
            snapshot = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(extract_snapshot(snapshot))


class BudgetedExtractor:
    """A reusable child process that extracts snapshots, killed and replaced when one takes too long."""

    def __init__(self) -> None:
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None

    def extract(self, snapshot: Snapshot, budget_s: float) -> Extraction:
        if budget_s <= 0:
            return extract_snapshot(snapshot)
        try:
            connection = self._start()
            connection.send(snapshot)
            if connection.poll(budget_s):
                result: Extraction = connection.recv()
                return result
        except (EOFError, OSError) as exc:  # the child died (out of memory, killed): the page is recorded, not lost
            self.close()
            return _failed(snapshot, f"the extraction process died ({type(exc).__name__}); replay the capture")
        self.close()
        return _failed(
            snapshot,
            f"extraction stopped after its {budget_s:g} s budget (CITEWATCH_EXTRACT_BUDGET_S); the snapshot is "
            "stored: `citewatch replay --capture ID` reads it again without a budget",
        )

    def _start(self) -> Connection:
        if self._process is None or self._connection is None or not self._process.is_alive():
            self.close()
            context = multiprocessing.get_context("spawn")  # a fork would copy the browser's threads
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child,), name="citewatch-extract", daemon=True)
            process.start()
            child.close()
            self._process, self._connection = process, parent
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=10)
        self._process = self._connection = None


def _failed(snapshot: Snapshot, reason: str) -> Extraction:
    log.warning("%s: %s", snapshot.engine, reason)
    return failed_extraction(snapshot, reason)
