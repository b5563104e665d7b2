"""The ChatGPT replica (chatgpt.com): see `app` for the scenarios, `stream` for the conversation stream, `corpus`
for the answers."""

from citewatch.replicas import EngineReplica
from citewatch.replicas.chatgpt.app import SCENARIOS, ChatGPTReplica

REPLICA: EngineReplica = ChatGPTReplica()  # annotated so mypy checks it against the protocol

__all__ = ["REPLICA", "SCENARIOS"]
