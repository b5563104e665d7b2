"""The Google AI Overview replica (google.com/search?q=…): see `app` for the scenarios, `markup` for the DOM."""

from citewatch.replicas import EngineReplica
from citewatch.replicas.google_aio.app import SCENARIOS, GoogleAioReplica

REPLICA: EngineReplica = GoogleAioReplica()  # annotated so mypy checks it against the protocol

__all__ = ["REPLICA", "SCENARIOS"]
