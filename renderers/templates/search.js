// Client-side search over the symptoms: the list works without this script; with it, a search
// box appears and filters and ranks the list as you type. The data is search-index.js (the
// same as search-index.json), loaded with a script tag because browsers do not let a page
// opened from disk fetch() a file next to it. Results are shown by reordering the existing
// list items, so no markup is ever built from the index's text.
(function () {
  "use strict";
  var index = window.TRIAGE_SEARCH_INDEX;
  var form = document.getElementById("search");
  var input = document.getElementById("q");
  var list = document.getElementById("symptom-list");
  var status = document.getElementById("search-status");
  if (!index || !form || !input || !list) { return; }
  function norm(s) {
    return String(s || "").toLowerCase().replace(/[\u2018\u2019`]/g, "'").replace(/\s+/g, " ").trim();
  }
  var entries = index.map(function (e, i) {
    var item = list.querySelector('li[data-name="' + String(e.name).replace(/["\\]/g, "\\$&") + '"]');
    return {
      item: item,
      order: i,
      name: norm(e.name),
      title: norm(e.title),
      aliases: (e.aliases || []).map(norm),
      codes: (e.codes || []).map(norm),
      text: norm(e.text)
    };
  }).filter(function (e) { return e.item; });
  function score(e, q, words) {
    if (!q) { return 1; }
    var s = 0;
    words.forEach(function (w) {
      var wc = w.replace(/^0x/, "");
      if (e.codes.indexOf(w) >= 0 || e.codes.indexOf(wc) >= 0) { s += 20; }
      else if (e.title.indexOf(w) >= 0) { s += 3; }
      else if (e.aliases.some(function (a) { return a.indexOf(w) >= 0; })) { s += 2; }
      else if (e.name.indexOf(w) >= 0) { s += 2; }
      else if (e.text.indexOf(w) >= 0) { s += 1; }
      else { s -= 100; }
    });
    if (e.aliases.some(function (a) { return a === q; })) { s += 12; }
    else if (q.length >= 4 && (e.title.indexOf(q) >= 0 || e.aliases.some(function (a) { return a.indexOf(q) >= 0; }))) { s += 6; }
    return s;
  }
  function update() {
    var q = norm(input.value);
    var words = q.split(/[^a-z0-9']+/).filter(function (w) { return w.length > 0; });
    var ranked = entries.map(function (e) { return { e: e, s: score(e, q, words) }; });
    ranked.sort(function (a, b) { return b.s - a.s || a.e.order - b.e.order; });
    var shown = 0;
    ranked.forEach(function (r) {
      r.e.item.hidden = r.s <= 0;
      if (!r.e.item.hidden) { shown += 1; }
      list.appendChild(r.e.item);
    });
    status.textContent = q ? (shown === 0 ? "No symptom matches; try the error code or other words." : shown + " of " + entries.length + " symptoms") : "";
  }
  form.hidden = false;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var first = list.querySelector("li:not([hidden]) a");
    if (first) { window.location.href = first.getAttribute("href"); }
  });
  input.addEventListener("input", update);
  var params = new URLSearchParams(window.location.search);
  if (params.get("q")) { input.value = params.get("q"); update(); }
})();
