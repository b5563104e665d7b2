"""The Google AI Mode replica (google.com/search?udm=50): see `app` for the scenarios, `markup` for the DOM."""

from citewatch.replicas import EngineReplica
from citewatch.replicas.google_ai_mode.app import SCENARIOS, GoogleAiModeReplica

REPLICA: EngineReplica = GoogleAiModeReplica()  # annotated so mypy checks it against the protocol

__all__ = ["REPLICA", "SCENARIOS"]
