"""Analysis: pure metrics over repeated captures (formulas in docs/metrics.md)."""
