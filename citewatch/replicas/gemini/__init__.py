"""The Gemini replica (gemini.google.com): see `app` for the scenarios, `corpus` for the answers."""

from citewatch.replicas import EngineReplica
from citewatch.replicas.gemini.app import SCENARIOS, build_app

REPLICA = EngineReplica("gemini", SCENARIOS, build_app)

__all__ = ["REPLICA", "SCENARIOS"]
