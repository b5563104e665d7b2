"""The Google AI Overview replica (google.com/search?q=…): see `app` for the scenarios, `markup` for the DOM."""

from citewatch.replicas import EngineReplica
from citewatch.replicas.google_aio.app import SCENARIOS, build_app

REPLICA = EngineReplica("google_aio", SCENARIOS, build_app)

__all__ = ["REPLICA", "SCENARIOS"]
