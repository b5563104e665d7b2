"""The Perplexity replica (www.perplexity.ai): see `app` for the scenarios, `corpus` for the answers."""

from citewatch.replicas import EngineReplica
from citewatch.replicas.perplexity.app import SCENARIOS, PerplexityReplica

REPLICA: EngineReplica = PerplexityReplica()  # annotated so mypy checks it against the protocol

__all__ = ["REPLICA", "SCENARIOS"]
