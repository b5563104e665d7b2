"""The extraction quality gate: extractors scored against the fixtures and the real captures.

It reads files, so it lives outside `extract/`, whose functions are promised pure.
"""
