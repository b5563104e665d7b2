"""The Gemini replica (gemini.google.com): see `app` for the scenarios, `corpus` for the answers."""

from citewatch.replicas import EngineReplica
from citewatch.replicas.gemini.app import SCENARIOS, GeminiReplica

REPLICA: EngineReplica = GeminiReplica()  # annotated so mypy checks it against the protocol

__all__ = ["REPLICA", "SCENARIOS"]
