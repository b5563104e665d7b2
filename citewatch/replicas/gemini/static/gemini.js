/* citewatch's Gemini replica: the single-page app behind the local stand-in of gemini.google.com/app.
 *
 * Every element the scraper waits for or the extractor reads follows engines.md §3 and the real saved pages:
 * the Quill input (rich-textarea .ql-editor, `ql-blank` when empty), the send/stop container
 * ([data-test-id="send-button-container"], present only while typed or generating), the answer in the last
 * model-response's message-content .markdown (aria-busy, processing-state-visible), source chips that are
 * buttons opening a dialog, link blocks, the "Sources" button, and the Deep Research immersive panel with its
 * footnotes and used/unused source lists. Change one of them here and the scraper and the extractor must
 * change too. Vanilla JS, no build step: the server sends this file as it is.
 */
"use strict";

(() => {
  const STREAM_URL = "/_/BardChatUi/data/assistant.lamda.BardFrontendService/StreamGenerate";
  const FAILURE_TEXT = "Something went wrong. Please try again.";
  const SIGN_IN_TEXT = "Sign in to continue chatting with Gemini.";

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const esc = (value) => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);

  function element(markup) {
    const template = document.createElement("template");
    template.innerHTML = markup.trim();
    return template.content.firstElementChild;
  }

  // engines.md §3: links in answers carry ?utm_source=gemini.
  function tracked(url) {
    const parsed = new URL(url);
    parsed.searchParams.set("utm_source", "gemini");
    return parsed.toString();
  }

  /* ---- markdown as Gemini renders it -------------------------------------------------------------------- */

  // Bold, inline link, or a run of citation markers ("[1][2]": one chip in a chat, one footnote each in a report).
  const INLINE = /\*\*(.+?)\*\*|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)|((?:\[\d+\])+)/g;
  const LINK_BLOCK = /^=> \[([^\]]+)\]\((https?:\/\/[^)\s]+)\)\s*$/;
  const HEADING = /^(#{1,3})\s+(.*)$/;
  const LIST_ITEM = /^\s*-\s+/;

  function chipHtml(sources) {
    // engines.md §3 "inline citations (chat)": a button that opens the sources dialog, at the sentence end.
    const [first] = sources;
    const more = sources.length - 1;
    const label =
      `View source details for citations from ${first.site}` + (more ? ` and ${more} more` : "") +
      ". Press Enter to open sources dialog.";
    return (
      `<!----><sources-carousel-inline ng-version="0.0.0-PLACEHOLDER"><source-inline-chip class="ng-star-inserted">` +
      `<span class="source-inline-chip-container"><button type="button" class="source-inline-chip-button" ` +
      `aria-haspopup="dialog" aria-label="${esc(label)}"><span class="source-title">${esc(first.site)}</span>` +
      (more ? `<span class="source-count">+${more}</span>` : "") +
      `</button></span></source-inline-chip></sources-carousel-inline>`
    );
  }

  function footnoteHtml(index) {
    // engines.md §3 "inline citations (Deep Research)": the number is drawn by CSS, the sup itself is empty.
    return (
      `<span><response-element class="" ng-version="0.0.0-PLACEHOLDER"><source-footnote class="ng-star-inserted">` +
      `<sup class="superscript" data-turn-source-index="${index}"><!----></sup></source-footnote></response-element></span>`
    );
  }

  function carouselHtml(count) {
    // The report's per-paragraph carousel (as captured: collapsed, empty slots); it repeats the footnotes.
    const slots = '<div data-test-id="sources-carousel-source" class="sources-carousel-source hide"></div>'.repeat(count);
    return (
      `<sources-carousel-inline ng-version="0.0.0-PLACEHOLDER"><span hide-from-message-actions ` +
      `class="button-container hide-from-message-actions"><button type="button" hide-from-message-actions ` +
      `aria-label="Details" aria-controls="sources" class="carousel-button" aria-expanded="false">&#128279;</button>` +
      `</span><sources-carousel hide-from-message-actions id="sources" class="hide-from-message-actions">` +
      `<div class="container hide"><div class="carousel-container"><div class="carousel-content">${slots}</div>` +
      `</div></div></sources-carousel></sources-carousel-inline>`
    );
  }

  function inlineHtml(text, ctx, path) {
    let html = "";
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      html += esc(text.slice(last, match.index));
      last = match.index + match[0].length;
      const [, bold, linkText, linkUrl, markers] = match;
      if (bold !== undefined) {
        html += `<b data-path-to-node="${path}" data-index-in-node="${match.index}">${inlineHtml(bold, ctx, path)}</b>`;
      } else if (linkText !== undefined) {
        html += `<a href="${esc(tracked(linkUrl))}" target="_blank" rel="noopener">${esc(linkText)}</a>`;
      } else {
        const numbers = Array.from(markers.matchAll(/\[(\d+)\]/g), (m) => Number(m[1]));
        if (ctx.report) {
          html += numbers.map(footnoteHtml).join("");
          ctx.footnotes += numbers.length;
        } else {
          const cited = numbers.map((n) => ctx.sources[n - 1]).filter(Boolean);
          if (cited.length) {
            ctx.chips.push(cited);
            html += chipHtml(cited);
          }
        }
      }
    }
    return html + esc(text.slice(last));
  }

  function renderMarkdown(text, ctx) {
    const lines = text.split("\n");
    const isBlockStart = (line) => HEADING.test(line) || LIST_ITEM.test(line) || LINK_BLOCK.test(line);
    const out = [];
    let node = 0;
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      const heading = HEADING.exec(line);
      const linkBlock = LINK_BLOCK.exec(line);
      if (!line.trim()) {
        i += 1;
        continue;
      }
      if (heading) {
        const tag = `h${heading[1].length}`;
        out.push(`<${tag} data-path-to-node="${node}">${inlineHtml(heading[2], ctx, node)}</${tag}>`);
        i += 1;
      } else if (linkBlock) {
        // engines.md §3: the real links of a chat answer are `response-element … link-block > a`.
        out.push(
          `<response-element class="" ng-version="0.0.0-PLACEHOLDER"><link-block class="ng-star-inserted">` +
            `<a class="link-block" href="${esc(tracked(linkBlock[2]))}" target="_blank" rel="noopener">` +
            `${esc(linkBlock[1])}</a></link-block></response-element>`,
        );
        i += 1;
      } else if (LIST_ITEM.test(line)) {
        const items = [];
        for (; i < lines.length && LIST_ITEM.test(lines[i]); i += 1) {
          const path = `${node},${items.length},0`;
          items.push(`<li><p data-path-to-node="${path}">${inlineHtml(lines[i].replace(LIST_ITEM, ""), ctx, path)}</p></li>`);
        }
        out.push(`<ul data-path-to-node="${node}">${items.join("")}</ul>`);
      } else {
        const paragraph = [];
        for (; i < lines.length && lines[i].trim() && !isBlockStart(lines[i]); i += 1) paragraph.push(lines[i]);
        const before = ctx.footnotes;
        const body = inlineHtml(paragraph.join(" "), ctx, node);
        const carousel = ctx.report && ctx.footnotes > before ? carouselHtml(ctx.footnotes - before) : "";
        out.push(`<p data-path-to-node="${node}">${body}${carousel}</p>`);
      }
      node += 1;
    }
    return out.join("");
  }

  /* ---- conversation markup (engines.md §3 "response", "turns") ------------------------------------------ */

  function turnHtml(id, prompt) {
    return (
      `<div class="conversation-container message-actions-hover-boundary ng-star-inserted" id="${id}">` +
      `<user-query class="ng-star-inserted"><span class="user-query-container"><user-query-content class="user-query-container">` +
      `<div class="user-query-container"><div class="query-content" id="user-query-content-0">` +
      `<span class="user-query-bubble-with-background"><span class="horizontal-container">` +
      `<div role="heading" aria-level="2" class="query-text gds-body-l" dir="ltr"><span class="cdk-visually-hidden">You said</span>` +
      `<p class="query-text-line ng-star-inserted">${esc(prompt)}</p></div></span></span></div></div>` +
      `</user-query-content></span></user-query>` +
      `<model-response class="ng-star-inserted"><div><response-container class="reduced-bottom-padding ng-star-inserted">` +
      `<div class="response-container response-container-with-gpi"><div class="response-container-header">` +
      `<div class="response-container-header-status"><div class="response-container-header-processing-state"></div></div></div>` +
      `<div class="presented-response-container"><div class="avatar-gutter"><bard-avatar class="avatar-component">` +
      `<div class="bard-avatar"><div class="avatar avatar_primary">&#10022;</div></div></bard-avatar></div>` +
      `<div class="response-container-content"><div class="response-content">` +
      `<model-thoughts data-test-id="model-thoughts" class="ng-star-inserted"><div class="thoughts-container">` +
      `<button type="button" data-test-id="thoughts-header-button" class="thoughts-header-button">Show thinking</button>` +
      `<div class="thoughts-content" hidden><div class="markdown markdown-main-panel"><p>Working out what the user ` +
      `asked, then which sources answer it.</p></div></div></div></model-thoughts>` +
      `<h2 class="cdk-visually-hidden ng-star-inserted">Gemini said</h2>` +
      `<structured-content-container class="model-response-text processing-state-visible ng-star-inserted">` +
      `<div class="container"><message-content id="message-content-id-r_${id}" class="ng-star-inserted">` +
      `<div inline-copy-host class="markdown markdown-main-panel stronger enable-updated-hr-color" ` +
      `id="model-response-message-contentr_${id}" aria-live="polite" aria-busy="true" dir="ltr"></div>` +
      `</message-content></div></structured-content-container><div class="response-footer gap"></div></div></div></div>` +
      `<div class="response-container-footer"><message-actions footer class="hide-action-bar"><div class="actions-container-v2">` +
      `<div class="buttons-container-v2"><thumb-up-button><button type="button" aria-label="Good response" class="mdc-icon-button">&#128077;</button></thumb-up-button>` +
      `<thumb-down-button><button type="button" aria-label="Bad response" class="mdc-icon-button">&#128078;</button></thumb-down-button>` +
      `<copy-button><button type="button" data-test-id="copy-button" aria-label="Copy" class="mdc-icon-button">&#10697;</button></copy-button>` +
      `</div></div></message-actions></div></div></response-container></div></model-response></div>`
    );
  }

  function sourcesListHtml() {
    return (
      `<sources-list class="sources-list ng-star-inserted"><button type="button" class="mdc-button sources-list-button" ` +
      `aria-haspopup="dialog" aria-label="Sources"><span class="mdc-button__label">Sources</span></button></sources-list>`
    );
  }

  function panelHtml(title) {
    // engines.md §3 "DR panel": immersive-panel > deep-research-immersive-panel, #extended-response-markdown-content.
    return (
      `<immersive-panel class="ng-star-inserted"><deep-research-immersive-panel class="ng-star-inserted"><toolbar>` +
      `<div class="toolbar has-title"><div class="left-panel"><mat-icon role="img" data-test-id="immersive-icon" ` +
      `class="mat-icon google-symbols" aria-hidden="true">&#128269;</mat-icon><h2 class="title-text gds-title-s">${esc(title)}</h2></div>` +
      `<div class="action-buttons"><toc-menu><button type="button" aria-label="Table of contents" data-test-id="toc-menu-button" ` +
      `class="mdc-button">Contents</button></toc-menu><button type="button" aria-label="Share and export" ` +
      `data-test-id="export-menu-button" class="mdc-button">Share &amp; export</button>` +
      `<button type="button" aria-label="Close panel" data-test-id="close-button" class="mdc-icon-button">&#10005;</button></div></div></toolbar>` +
      `<div cdkscrollable data-test-id="scroll-container" class="container"><response-container class="response-container">` +
      `<div class="response-container"><div class="presented-response-container"><div class="response-container-content">` +
      `<structured-content-container data-test-id="message-content" class="processing-state-visible ng-star-inserted">` +
      `<div class="container"><message-content id="extended-response-message-content" class="ng-star-inserted">` +
      `<div inline-copy-host class="markdown markdown-main-panel stronger" id="extended-response-markdown-content" ` +
      `aria-live="off" aria-busy="true" dir="ltr"></div></message-content></div></structured-content-container>` +
      `<div class="report-lists"></div></div></div></div></response-container></div>` +
      `</deep-research-immersive-panel></immersive-panel>`
    );
  }

  function browseItemHtml(source) {
    const host = new URL(source.url).hostname.replace(/^www\./, "");
    return (
      `<browse-web-item class="ng-star-inserted"><a target="_blank" rel="noopener" externallink ` +
      `data-test-id="browse-web-item-link" tabindex="0" href="${esc(source.url)}"><span data-test-id="content" ` +
      `class="link-content"><div class="browse-item gds-body-m"><div class="title-container">` +
      `<div data-test-id="domain-name" class="display-name">${esc(host)}</div></div>` +
      `<div data-test-id="sub-title" class="sub-title">${esc(source.title)}</div></div></span>` +
      `<span class="cdk-visually-hidden">Opens in a new window</span></a></browse-web-item>`
    );
  }

  function browseChipHtml(source) {
    const host = new URL(source.url).hostname.replace(/^www\./, "");
    return (
      `<browse-web-chip class="ng-star-inserted"><a target="_blank" rel="noopener noreferrer" data-test-id="browse-chip-link" ` +
      `class="browse-chip" href="${esc(source.url)}"><div data-test-id="domain-name" class="display-name gds-label-m">` +
      `${esc(host)}</div><div data-test-id="title" class="sub-title gds-label-m">${esc(source.title)}</div></a></browse-web-chip>`
    );
  }

  function listsHtml(used, unused) {
    // engines.md §3 "sources list (Deep Research)": used sources expanded, unused ones collapsed; the thoughts
    // panel's browse chips list the same sites again (as captured).
    const toggle = (which, label, expanded) =>
      `<collapsible-button aria-controls="${which}-sources-list" data-test-id="${which}-sources-button" class="ng-star-inserted">` +
      `<button type="button" class="mdc-button" aria-expanded="${expanded}"><span class="gds-title-m">${label}</span></button></collapsible-button>`;
    return (
      `<deep-research-source-lists class="ng-star-inserted">` +
      toggle("used", "Sources used in the report", true) +
      `<div class="source-list used-sources ng-star-inserted" aria-expanded="true">${used.map(browseItemHtml).join("")}</div>` +
      toggle("unused", "Sources read but not used in the report", false) +
      `<div class="source-list unused-sources ng-star-inserted" aria-expanded="false">${unused.map(browseItemHtml).join("")}</div>` +
      `</deep-research-source-lists>` +
      `<collapsible-button data-test-id="collapsible-thinking-button" class="collapsible-thinking-button">` +
      `<button type="button" class="mdc-button" aria-expanded="false"><span class="gds-title-m">Thoughts</span></button></collapsible-button>` +
      `<thinking-panel aria-expanded="false" aria-hidden="true"><div class="thinking-panel"><thought-item>` +
      `<div data-test-id="thought-header" class="thought-header">Planning the research</div>` +
      `<div data-test-id="thought-body">Comparing storage chemistries on cost, cycle life and duration.</div></thought-item>` +
      `<browse-chip-list><div class="browse-container"><div class="browse-header">Researching websites...</div>` +
      `<div class="browse-chip-container">${[...used, ...unused].map(browseChipHtml).join("")}</div></div></browse-chip-list>` +
      `</div></thinking-panel>`
    );
  }

  /* ---- dialogs and snack bars (Angular CDK overlay) ------------------------------------------------------- */

  const overlay = $(".cdk-overlay-container");
  let dialog = null;

  function closeDialog() {
    dialog?.forEach((node) => node.remove());
    dialog = null;
  }

  function openDialog(sources) {
    closeDialog();
    const rows = sources
      .map(
        (s) =>
          `<div class="source-row"><a data-test-id="source-link" href="${esc(s.url)}" target="_blank" rel="noopener">` +
          `<span class="source-domain">${esc(s.site)}</span><span class="source-title">${esc(s.title)}</span></a></div>`,
      )
      .join("");
    const backdrop = element('<div class="cdk-overlay-backdrop cdk-overlay-dark-backdrop cdk-overlay-backdrop-showing"></div>');
    const wrapper = element(
      `<div class="cdk-global-overlay-wrapper" dir="ltr"><div class="cdk-overlay-pane sources-dialog-pane">` +
        `<mat-dialog-container role="dialog" aria-modal="true" tabindex="-1" class="mat-mdc-dialog-container">` +
        `<sources-dialog><div class="dialog-header"><h2 mat-dialog-title class="mat-mdc-dialog-title">Sources</h2>` +
        `<button type="button" aria-label="Close" mat-dialog-close class="mdc-icon-button dialog-close">&#10005;</button></div>` +
        `<mat-dialog-content class="mat-mdc-dialog-content">${rows}</mat-dialog-content></sources-dialog>` +
        `</mat-dialog-container></div></div>`,
    );
    backdrop.addEventListener("click", closeDialog);
    $(".dialog-close", wrapper).addEventListener("click", closeDialog);
    overlay.append(backdrop, wrapper);
    dialog = [backdrop, wrapper];
  }

  function snackBar(text) {
    overlay.append(
      element(
        `<div class="cdk-global-overlay-wrapper snack-wrapper"><div class="cdk-overlay-pane"><mat-snack-bar-container ` +
          `class="mat-mdc-snack-bar-container" role="alert"><simple-snack-bar><div class="mat-mdc-snack-bar-label">` +
          `${esc(text)}</div></simple-snack-bar></mat-snack-bar-container></div></div>`,
      ),
    );
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeDialog();
  });

  /* ---- the page ----------------------------------------------------------------------------------------- */

  const editor = $("rich-textarea .ql-editor");
  const buttons = $(".input-buttons-wrapper-bottom");
  const history_ = $("#chat-history");
  const scroller = $("infinite-scroller", history_);
  const chipSources = new WeakMap(); // source-inline-chip -> the sources its dialog lists
  const answerSources = new WeakMap(); // sources-list -> every source of that answer
  let running = null; // the AbortController of the answer being streamed

  const promptText = () => editor.innerText.replace(/\u00a0/g, " ").trim();

  // engines.md §3 "send/stop container": absent when idle, a send button when typed, a stop button while generating.
  function setContainer(kind) {
    $('[data-test-id="send-button-container"]')?.remove();
    if (!kind) return;
    const inner =
      kind === "stop"
        ? `<gem-icon-button class="send-button stop"><button type="button" aria-label="Stop response" class="mdc-icon-button">&#9632;</button></gem-icon-button>`
        : `<gem-icon-button class="send-button has-input submit"><button type="button" aria-label="Send message" class="mdc-icon-button">&#10148;</button></gem-icon-button>`;
    const container = element(`<div data-test-id="send-button-container" class="send-button-container visible">${inner}</div>`);
    $("button", container).addEventListener("click", () => (kind === "stop" ? running?.abort() : ask(promptText())));
    buttons.prepend(container);
  }

  function syncInput() {
    const blank = !promptText();
    editor.classList.toggle("ql-blank", blank);
    if (!running) setContainer(blank ? null : "send");
  }

  function clearInput() {
    editor.innerHTML = "<p><br></p>";
    editor.classList.add("ql-blank");
  }

  class Turn {
    constructor(id, prompt) {
      document.body.classList.add("has-conversation");
      history_.hidden = false;
      scroller.append(element(turnHtml(id, prompt)));
      this.response = $$("model-response", scroller).at(-1);
      this.markdown = $("message-content .markdown", this.response);
      this.footer = $(".response-footer", this.response);
      this.panel = null;
    }

    update(payload) {
      if (payload.mode === "deep_research") {
        this.markdown.innerHTML = renderMarkdown(payload.text, { report: false, sources: [], chips: [], footnotes: 0 });
        if (!this.panel) {
          this.panel = element(panelHtml(payload.title));
          $("main.chat-app").append(this.panel);
          document.body.classList.add("immersive-open");
        }
        const report = $("#extended-response-markdown-content", this.panel);
        report.innerHTML = renderMarkdown(payload.report, { report: true, sources: [], chips: [], footnotes: 0 });
        return;
      }
      const ctx = { report: false, sources: payload.sources, chips: [], footnotes: 0 };
      this.markdown.innerHTML = renderMarkdown(payload.text, ctx);
      $$("source-inline-chip", this.markdown).forEach((chip, index) => chipSources.set(chip, ctx.chips[index]));
    }

    finish(payload) {
      // engines.md §3 "do NOT use": aria-busy may stay "true" and processing-state-visible stays after the end.
      for (const markdown of [this.markdown, this.panel && $("#extended-response-markdown-content", this.panel)]) {
        if (markdown && !payload.keep_busy) markdown.setAttribute("aria-busy", "false");
      }
      this.footer.classList.add("complete");
      $("message-actions", this.response).classList.remove("hide-action-bar");
      if (payload.mode === "deep_research") {
        $(".report-lists", this.panel).innerHTML = listsHtml(payload.used || [], payload.unused || []);
      } else if (payload.sources.length) {
        const list = element(sourcesListHtml());
        answerSources.set(list, payload.sources);
        this.footer.append(list);
      }
    }
  }

  async function readStream(response, onMessage) {
    // "completed" only with the final `done` message; a stream that just closes is broken.
    try {
      for await (const event of replicaEvents(response)) {
        const payload = JSON.parse(event.data);
        onMessage(payload);
        if (payload.done) return "completed";
      }
      return "broken";
    } catch (error) {
      return error.name === "AbortError" ? "stopped" : "broken";
    }
  }

  async function ask(prompt) {
    if (!prompt || running) return;
    const controller = new AbortController();
    running = controller;
    clearInput();
    setContainer("stop"); // generating: the container is there and the input is blank
    let turn = null;
    let last = null;
    try {
      const response = await fetch(STREAM_URL, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ prompt }),
        signal: controller.signal,
      });
      if (response.status === 401) {
        snackBar(SIGN_IN_TEXT);
        return;
      }
      if (!response.ok) {
        snackBar(FAILURE_TEXT);
        return;
      }
      const outcome = await readStream(response, (payload) => {
        if (!turn) {
          turn = new Turn(payload.conversation, prompt);
          history.pushState({}, "", `/app/${payload.conversation}`);
        }
        turn.update(payload);
        last = payload;
      });
      if (outcome === "broken") snackBar(FAILURE_TEXT);
      else if (turn && last) turn.finish(last);
    } catch {
      snackBar(FAILURE_TEXT);
    } finally {
      running = null;
      syncInput();
    }
  }

  /* ---- wiring ------------------------------------------------------------------------------------------- */

  editor.addEventListener("input", syncInput);
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask(promptText());
    }
  });

  document.addEventListener("click", (event) => {
    const chip = event.target.closest("source-inline-chip");
    if (chip && chipSources.has(chip)) {
      openDialog(chipSources.get(chip));
      return;
    }
    const list = event.target.closest("sources-list");
    if (list && answerSources.has(list)) {
      openDialog(answerSources.get(list));
      return;
    }
    const toggle = event.target.closest("collapsible-button[aria-controls] button");
    if (toggle) {
      const which = toggle.closest("collapsible-button").getAttribute("aria-controls").replace("-sources-list", "");
      const expanded = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(expanded));
      $(`.source-list.${which}-sources`)?.setAttribute("aria-expanded", String(expanded));
      return;
    }
    const thoughts = event.target.closest("[data-test-id='thoughts-header-button']");
    if (thoughts) {
      const content = thoughts.nextElementSibling;
      content.hidden = !content.hidden;
    }
  });
  window.addEventListener("popstate", () => location.reload());

  syncInput();
})();
