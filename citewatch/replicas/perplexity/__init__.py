"""The Perplexity replica (www.perplexity.ai): see `app` for the scenarios, `corpus` for the answers."""

from citewatch.replicas import EngineReplica
from citewatch.replicas.perplexity.app import SCENARIOS, build_app

REPLICA = EngineReplica("perplexity", SCENARIOS, build_app)

__all__ = ["REPLICA", "SCENARIOS"]
