// The query editor: YASGUI (from npm) against this dataset's /sparql, with completion of the
// project's prefixes (no remote look-ups: the pages work offline and under a strict CSP), the
// catalog's questions one choice away, and a simple bar chart besides the table and raw views.
(function () {
  "use strict";
  if (typeof Yasgui === "undefined") { return; }
  const catalog = JSON.parse(document.getElementById("nkhr-catalog").textContent);
  const prefixes = JSON.parse(document.getElementById("nkhr-prefixes").textContent);
  const select = document.getElementById("catalog-select");

  // Completion: only local completers (the class and property completers ask a remote service).
  const Yasqe = Yasgui.Yasqe;
  Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  Yasqe.forkAutocompleter("prefixes", {
    name: "nkhr-prefixes",
    bulk: true,
    persistenceId: null,
    get: function () {
      return Object.keys(prefixes).sort().map(function (p) { return p + ": <" + prefixes[p] + ">"; });
    },
  }, true);
  Yasqe.defaults.autocompleters = ["nkhr-prefixes", "variables"];

  // A bar chart of the first numeric column against the first other column.
  class BarChart {
    constructor(yasr) { this.yasr = yasr; this.priority = 5; this.label = "Chart"; }
    canHandleResults() {
      const r = this.yasr.results;
      return !!(r && r.getVariables && r.getVariables().length > 1 && this.numericVariable());
    }
    numericVariable() {
      const r = this.yasr.results;
      const bindings = r.getBindings() || [];
      return r.getVariables().find(function (v) {
        return bindings.length > 0 && bindings.every(function (b) {
          return !b[v] || (b[v].type === "literal" && b[v].value !== "" && !isNaN(Number(b[v].value)));
        }) && bindings.some(function (b) { return b[v]; });
      });
    }
    getIcon() { const el = document.createElement("span"); el.textContent = "▥"; return el; }
    draw() {
      const r = this.yasr.results;
      const value = this.numericVariable();
      const label = r.getVariables().find(function (v) { return v !== value; });
      const rows = (r.getBindings() || []).filter(function (b) { return b[value]; }).slice(0, 40);
      const max = Math.max.apply(null, rows.map(function (b) { return Number(b[value].value); }).concat([1]));
      const svgNS = "http://www.w3.org/2000/svg";
      const rowHeight = 22, width = 720, labelWidth = 260;
      const svg = document.createElementNS(svgNS, "svg");
      svg.setAttribute("viewBox", "0 0 " + width + " " + (rows.length * rowHeight + 10));
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "Bar chart of " + value + " by " + label);
      rows.forEach(function (b, i) {
        const y = i * rowHeight + 5;
        const name = document.createElementNS(svgNS, "text");
        name.setAttribute("x", labelWidth - 6); name.setAttribute("y", y + 14);
        name.setAttribute("text-anchor", "end"); name.setAttribute("font-size", "12");
        const raw = b[label] ? b[label].value : "";
        name.textContent = raw.length > 40 ? raw.slice(0, 39) + "…" : raw;
        const bar = document.createElementNS(svgNS, "rect");
        const barWidth = Math.max(1, (width - labelWidth - 90) * Number(b[value].value) / max);
        bar.setAttribute("x", labelWidth); bar.setAttribute("y", y + 3);
        bar.setAttribute("width", barWidth); bar.setAttribute("height", rowHeight - 8);
        bar.setAttribute("fill", "#457b9d");
        const figure = document.createElementNS(svgNS, "text");
        figure.setAttribute("x", labelWidth + barWidth + 4); figure.setAttribute("y", y + 14);
        figure.setAttribute("font-size", "12");
        figure.textContent = Number(b[value].value).toLocaleString("en");
        svg.append(name, bar, figure);
      });
      this.yasr.resultsEl.replaceChildren(svg);
    }
  }
  Yasgui.Yasr.registerPlugin("chart", BarChart);
  Yasgui.Yasr.defaults.pluginOrder = ["table", "response", "chart"];
  Yasgui.Yasr.defaults.prefixes = prefixes;

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: new URL("/sparql", window.location.href).href, method: "POST" },
    copyEndpointOnNewTab: false,
    populateFromUrl: false,                 // ?query=NAME names a catalog question, not query text
    endpointCatalogueOptions: { getData: function () { return []; } },
    persistenceId: null,
    yasqe: { prefixCcApi: null, resizeable: true, editorHeight: "320px" },
  });
  window.nkhrYasgui = yasgui;                // for the browser tests and the curious
  // YASGUI leaves its endpoint field unlabelled; name it for screen readers.
  document.querySelectorAll("#yasgui input.autocomplete").forEach(function (input) {
    input.setAttribute("aria-label", "SPARQL endpoint URL");
  });

  function load(name) {
    const entry = catalog.find(function (q) { return q.name === name; }) || catalog[0];
    if (entry) { yasgui.getTab().getYasqe().setValue(entry.query); }
  }
  select.addEventListener("change", function () { load(select.value); });
  load(select.value);
  // Opened from a question link (/editor?query=NAME): run it straight away.
  if (new URLSearchParams(window.location.search).get("query")) { yasgui.getTab().getYasqe().query(); }
}());
