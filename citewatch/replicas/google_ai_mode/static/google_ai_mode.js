/* citewatch's Google AI Mode replica: the results page's script (google.com/search?udm=50).
 *
 * The server draws every element the scraper and the extractor read (markup.py, after engines.md §5.2);
 * this script only plays them: it streams the answer column from the server, shows the right column's
 * source cards and the follow-up box when the answer is complete, opens the "Show all related links"
 * dialog, and adds a turn for each follow-up question. Vanilla JS, no build step.
 */
"use strict";

(() => {
  const body = document.body;
  const turns = document.getElementById("aim-chrome-initial-inline-async-container");
  const plate = document.querySelector('[data-xid="aim-mars-input-plate"]');
  const box = plate.querySelector("textarea");
  let count = 0;
  let running = false;

  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const esc = (value) => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);

  function element(markup) {
    const template = document.createElement("template");
    template.innerHTML = markup.trim();
    return template.content.firstElementChild;
  }

  function turnElement(query) {
    // engines.md §5.2: one div[data-scope-id=turn] per question; the answer column inside div[data-subtree=aimc]
    // is busy (a progress bar, aria-busy) until the whole answer has arrived.
    return element(
      `<div class="CKgc1d" data-scope-id="turn"><div class="Zkbeff" data-subtree="aimc" data-aimmrs="true" ` +
        `aria-busy="true" jscontroller="nfCumd"><div class="cw-query" role="heading" aria-level="2">${esc(query)}</div>` +
        `<div class="pWvJNd" jscontroller="zp3Dsd"><div jsname="s7e4Od"><div dir="ltr" data-container-id="main-col" ` +
        `data-xid="VpUvz" class="mZJni Dn7Fzd"><div data-container-id="5"></div></div></div></div>` +
        `<div role="progressbar" aria-label="Loading" class="cw-loading"></div></div>` +
        `<div class="cw-rhs" jscontroller="zp3Dsd"></div></div>`,
    );
  }

  async function readStream(response, onPayload) {
    // Complete only with the final payload and then the "end" event; a stream that just closes is broken.
    let completed = false;
    try {
      for await (const event of replicaEvents(response)) {
        if (event.name === "end") return completed;
        const payload = JSON.parse(event.data);
        onPayload(payload);
        completed = Boolean(payload.done);
      }
      return false;
    } catch {
      return false;
    }
  }

  async function ask(query) {
    if (!query || running) return;
    running = true;
    plate.hidden = true;
    count += 1;
    const turn = turnElement(query);
    turns.append(turn);
    const container = turn.querySelector('[data-subtree="aimc"]');
    const column = turn.querySelector('[data-container-id="5"]');
    const rhs = turn.querySelector(".cw-rhs");
    const params = new URLSearchParams({ q: query, hl: body.dataset.hl, turn: String(count) });
    let completed = false;
    try {
      const response = await fetch(`${body.dataset.stream}?${params}`, { headers: { accept: "text/event-stream" } });
      if (response.ok) {
        completed = await readStream(response, (payload) => {
          column.innerHTML = payload.html;
          if (payload.done) {
            rhs.innerHTML = payload.rhs;
            rhs.dataset.dialog = payload.dialog;
          }
        });
      }
    } catch {
      completed = false;
    }
    container.querySelector('[role="progressbar"]')?.remove();
    container.setAttribute("aria-busy", "false");
    if (!completed) container.insertAdjacentHTML("beforeend", `<div role="alert" class="cw-error">${esc(body.dataset.error)}</div>`);
    plate.hidden = false;
    box.value = "";
    running = false;
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const close = target.closest('[role="dialog"] .pJqQqb');
    if (close) {
      close.closest('[role="dialog"]').remove();
      return;
    }
    // "N sites" and "Show all related links" open the dialog with every source card of their turn.
    const opener = target.closest('.cw-rhs button[data-xid="x92FHb"], .cw-rhs #rw0ISc');
    if (opener && !opener.closest('[role="dialog"]')) {
      const rhs = opener.closest(".cw-rhs");
      const column = rhs.querySelector('[data-container-id="13"]');
      if (column && !column.querySelector('[role="dialog"]')) column.insertAdjacentHTML("beforeend", rhs.dataset.dialog);
      return;
    }
    const suggestion = target.closest('button[data-xid="UN5Mf"]');
    if (suggestion) ask(suggestion.querySelector(".zwS7bb").textContent.trim());
  });

  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask(box.value.trim());
    }
  });
  plate.querySelector('[data-xid="input-plate-send-button"]').addEventListener("click", () => ask(box.value.trim()));

  if (body.dataset.q) ask(body.dataset.q);
  else plate.hidden = false;
})();
