"""Loading the CLI must not load what only some commands use: `citewatch report --help` should start fast."""

from __future__ import annotations

import json
import subprocess
import sys

# Each is imported inside the command that needs it (capture, replica, demo, worker, export --format parquet).
HEAVY = ("playwright", "celery", "pyarrow", "starlette", "uvicorn")


def test_importing_the_cli_does_not_load_heavy_packages() -> None:
    code = (
        "import json, sys\n"
        "import citewatch.cli\n"
        f"print(json.dumps(sorted({{m.partition('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(done.stdout) == [], f"importing citewatch.cli loaded {done.stdout.strip()}"
