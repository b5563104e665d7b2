"""`citewatch browse`: Datasette on a SQLite store, read-only, described, with the common questions ready.

Datasette (the optional `browse` extra) serves the file in immutable mode: it opens it read-only and never
writes to it, so browsing a store a campaign is writing to is safe. This module is the only one importing
Datasette, and only `citewatch browse` imports it. It adds, as an in-process plugin:
- `/-/citewatch/captures/<id>/screenshot` (the capture's PNG) and `/-/citewatch/captures/<id>/snapshot`
  (the stored page, served with a Content-Security-Policy that runs no script and fetches nothing, so
  what renders is the DOM as captured, offline);
- links to them in the `screenshot` and `snapshot` columns of the canned queries;
- the SQL function `citewatch_sentences(text, term)` the brand query uses.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import uvicorn
import zstandard
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils.asgi import Response
from markupsafe import Markup
from pluggy import HookimplMarker

from citewatch.storage.analyst import QUESTIONS, TABLES, sentences_naming

LINK_PREFIX = "/-/citewatch/captures/"
ROLES = {"screenshot": "screenshot", "snapshot": "dom"}  # URL word -> artifact role
# The stored page is text an engine chose: show it, never run it or let it fetch anything.
SNAPSHOT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
hookimpl = HookimplMarker("datasette")  # what `datasette.hookimpl` is, typed


def metadata(database: str) -> dict[str, Any]:
    """Datasette metadata: what each table and column holds, and the canned queries."""
    return {
        "title": "citewatch store",
        "description": "Captures of AI answer engines, their extractions, citations and sources (read-only). "
        "Start with the queries below; every table is described on its page.",
        "databases": {
            database: {
                "tables": {
                    name: {"description": description, "columns": columns}
                    for name, (description, columns) in TABLES.items()
                },
                "queries": {
                    q.name: {"title": q.title, "description": q.description, "sql": q.sqlite.strip()} for q in QUESTIONS
                },
            }
        },
    }


# The hooks citewatch adds to Datasette: this module is registered as an in-process plugin by `serve`.


@hookimpl
def prepare_connection(conn: Any) -> None:
    conn.create_function("citewatch_sentences", 2, sentences_naming, deterministic=True)


@hookimpl
def render_cell(value: object, column: str) -> Markup | None:
    if column in ROLES and isinstance(value, str) and value.startswith(LINK_PREFIX):
        return Markup('<a href="{}">{}</a>').format(value, column)  # format escapes both
    return None


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(rf"^{LINK_PREFIX}(?P<capture_id>\d+)/(?P<what>screenshot|snapshot)$", _artifact)]


async def _artifact(datasette: Datasette, request: Any) -> Response:
    capture_id, what = int(request.url_vars["capture_id"]), request.url_vars["what"]
    database = datasette.get_database()
    rows = await database.execute(
        "SELECT a.data, a.media_type FROM capture_artifacts ca JOIN artifacts a ON a.sha256 = ca.artifact_sha256 "
        "WHERE ca.capture_id = ? AND ca.role = ?",
        [capture_id, ROLES[what]],
    )
    row = rows.first()
    if row is None:
        return Response.text(f"capture {capture_id} has no stored {what}", status=404)
    body = zstandard.ZstdDecompressor().decompress(row["data"])
    headers = {"Content-Security-Policy": SNAPSHOT_CSP} if what == "snapshot" else {}
    return Response(body, content_type=row["media_type"], headers=headers)


def serve(path: Path, *, host: str, port: int) -> None:
    """Serve the SQLite file at `path` read-only until interrupted."""
    if not pm.has_plugin("citewatch"):
        pm.register(sys.modules[__name__], name="citewatch")
    app = Datasette(immutables=[str(path)], metadata=metadata(path.stem), settings={"sql_time_limit_ms": 5000})
    asyncio.run(app.invoke_startup())
    print(f"serving {path} read-only at http://{host}:{port}/ (Ctrl+C to stop)", file=sys.stderr, flush=True)
    uvicorn.run(app.app(), host=host, port=port, log_level="warning")
