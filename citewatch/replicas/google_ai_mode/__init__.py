"""The Google AI Mode replica (google.com/search?udm=50): see `app` for the scenarios, `markup` for the DOM."""

from citewatch.replicas import EngineReplica
from citewatch.replicas.google_ai_mode.app import SCENARIOS, build_app

REPLICA = EngineReplica("google_ai_mode", SCENARIOS, build_app)

__all__ = ["REPLICA", "SCENARIOS"]
