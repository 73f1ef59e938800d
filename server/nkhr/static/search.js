// The header's search box: suggestions as you type (from 2 characters), from the build's search
// index at /search/suggest. A suggestion is a link to the node's page on this server, so typing
// a name and choosing it (click, or arrow keys and Enter) opens its page; Enter on the typed
// text opens /search. The list follows the ARIA combobox pattern (aria-activedescendant).
(function () {
  "use strict";
  const input = document.getElementById("site-search-q");
  const list = document.getElementById("site-search-list");
  if (!input || !list) { return; }
  let active = -1, items = [], pending = null, latest = "";

  function close() {
    list.hidden = true; list.replaceChildren(); items = []; active = -1;
    input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
  }
  function highlight(index) {
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index >= 0) { input.setAttribute("aria-activedescendant", items[index].id); }
    else { input.removeAttribute("aria-activedescendant"); }
  }
  function show(suggestions) {
    list.replaceChildren();
    items = suggestions.filter(function (s) { return s.href; }).map(function (s, i) {
      const li = document.createElement("li");
      li.id = "site-search-option-" + i; li.setAttribute("role", "option");
      const link = document.createElement("a");
      link.href = s.href; link.tabIndex = -1; link.textContent = s.label;
      const kind = document.createElement("span");
      kind.className = "tag"; kind.textContent = " " + s.kind + (s.matched ? " · " + s.matched : "");
      li.append(link, kind);
      li.addEventListener("mousedown", function (event) { event.preventDefault(); window.location.href = s.href; });
      return li;
    });
    if (!items.length) { close(); return; }
    list.append.apply(list, items);
    list.hidden = false; input.setAttribute("aria-expanded", "true"); highlight(-1);
  }
  function fetchSuggestions() {
    const text = input.value.trim();
    latest = text;
    if (text.length < 2) { close(); return; }
    fetch("/search/suggest?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (answer) { if (answer.query === latest) { show(answer.suggestions); } })
      .catch(function () { close(); });
  }
  input.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(fetchSuggestions, 120); });
  input.addEventListener("keydown", function (event) {
    if (list.hidden) { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, -1)); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0) {
      event.preventDefault(); window.location.href = items[active].querySelector("a").href;
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
}());
