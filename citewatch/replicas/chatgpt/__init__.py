"""The ChatGPT replica (chatgpt.com): see `app` for the scenarios, `stream` for the conversation stream, `corpus`
for the answers."""

from citewatch.replicas import EngineReplica
from citewatch.replicas.chatgpt.app import SCENARIOS, build_app

REPLICA = EngineReplica("chatgpt", SCENARIOS, build_app)

__all__ = ["REPLICA", "SCENARIOS"]
