/* citewatch replicas: the server-sent events of a fetch response, for every replica page that streams.
 *
 * `replicaEvents(response)` yields each event as { name, data } ("message" when unnamed, data lines joined
 * by "\n") and ends when the stream closes; an aborted fetch throws its AbortError to the caller. Each page
 * decides what "completed" means for its engine. Loaded before the page's own script (both `defer`).
 */
"use strict";

async function* replicaEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
      yield parseReplicaEvent(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
    }
  }
}

function parseReplicaEvent(block) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return { name, data: data.join("\n") };
}
