/* citewatch's Google AI Overview replica: the results page's script (google.com/search?q=…).
 *
 * The server draws every element the scraper and the extractor read (component.py after engines.md §4.3,
 * markup.py after §4.2); this script only plays them: it fetches the deferred overview from /async/folsrch
 * into the module, shows Google's failure placeholder when the overview cannot be generated, and plays
 * "Show more AI Overview", the lists' "Show all", the cards' "Show all related links" dialog and (July 2025
 * layout) each citation cluster's "View related links" panel. Vanilla JS, no build step.
 */
"use strict";

(() => {
  const content = document.getElementById("m-x-content");
  if (!content) return; // a results page without an AI Overview
  const preview = content.querySelector(".hoqQCc.MyTwIe");
  const module = content.closest('[jscontroller="EYwa3d"]');
  let data = { late: {}, clusters: {}, sources: [] };

  function show(el) {
    el.style.removeProperty("display");
  }

  function panel() {
    return content.querySelector('[jscontroller="qzpJXc"]');
  }

  function openPanel(items) {
    const box = panel();
    box.querySelector('ul[jsname="Z3saHd"]').innerHTML = items.join("");
    show(box);
  }

  function closePanel() {
    const box = panel();
    box.style.display = "none";
    box.querySelector('ul[jsname="Z3saHd"]').innerHTML = "";
  }

  function expand(button) {
    // "Show more AI Overview": the list items Google renders late fill their div.bsmXxe wrappers.
    for (const [id, item] of Object.entries(data.late)) {
      const wrapper = document.getElementById(id);
      if (wrapper && !wrapper.firstChild) wrapper.innerHTML = item;
    }
    content.closest(".h7Tj7e").classList.add("cw-open");
    button.setAttribute("aria-expanded", "true");
  }

  function showDialog() {
    // The current layout: "Show all related links" opens the dialog holding every source card.
    const dialog = content.querySelector('[data-container-id="rhs-col"] [role="dialog"]');
    if (dialog) show(dialog);
  }

  function showAll(button) {
    // A list split over two <ul>: "Show all" reveals the second one.
    const more = button.getAttribute("aria-controls");
    if (more) {
      show(document.getElementById(more));
      button.closest("li").remove();
      return;
    }
    // "Show all": the full source list (rendered a second time, hidden) and the Links panel with every source.
    const full = content.querySelector('[jsname="v1Xhtd"]');
    full.innerHTML = data.sources.map((item) => `<ul>${item}</ul>`).join("");
    openPanel(data.sources);
  }

  function relatedLinks(cluster) {
    const indexes = data.clusters[cluster.getAttribute("data-cid")] || [];
    openPanel(indexes.map((i) => data.sources[i]));
  }

  function loaded(payload) {
    preview.remove();
    module.setAttribute("data-loaded", "1");
    if (payload.status !== "ok") {
      show(content.querySelector('span[jsname="L1sC6e"]'));
      return;
    }
    const body = content.querySelector(".EyBRub");
    body.innerHTML = payload.html;
    const island = body.querySelector("script.cw-folsrch");
    data = JSON.parse(island.textContent);
    island.remove();
    content.closest(".h7Tj7e").insertAdjacentHTML("afterend", payload.more);
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest('[role="button"]');
    if (!target || !module.contains(target)) return;
    if (target.matches('[jsaction="trigger.OiPALb"]')) expand(target);
    else if (target.matches('[jsaction="trigger.Wyhgxe"]')) showAll(target);
    else if (target.matches(".BjvG9b")) showDialog();
    else if (target.matches('[jsname="nJC9Vc"]')) closePanel();
    else if (target.closest(".NPrrbc[data-cid]")) relatedLinks(target.closest(".NPrrbc[data-cid]"));
  });

  if (preview) {
    const form = document.getElementById("tsf");
    const params = new URLSearchParams({ q: form.elements.q.value, hl: form.elements.hl.value });
    fetch(`/async/folsrch?${params}`, { credentials: "same-origin" })
      .then((response) => response.json())
      .then(loaded)
      .catch(() => loaded({ status: "failed" }));
  }
})();
