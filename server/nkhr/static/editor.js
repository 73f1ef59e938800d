// The query editor: YASGUI (from npm) against this dataset's /sparql, with completion of the
// project's prefixes (no remote look-ups: the pages work offline and under a strict CSP), the
// catalog's questions one choice away, a results table a person can read, and a bar chart.
//
// * What the editor opens with: a shared link (/editor?sparql=TEXT) opens exactly that query and
//   runs it; /editor?query=NAME opens that catalog question and runs it; the query being edited is
//   kept (localStorage, per address), so a reload shows it again rather than the original.
// * The project's prefixes (nkhr:, kg:, qk:, ...) are declared for the user when a query uses one
//   without declaring it; an unknown prefix, and any parser error, is said in one sentence with
//   its line, column and the text found there.
// * The table shows this dataset's IRIs by their label, linked to their page on this server, an
//   external IRI by its own link, and literals by their value (numbers grouped, dates readable),
//   the RDF term one hover away (and all of them behind the "RDF terms" toggle).
// * The chart plots a label column against a numeric one, both chosen by default so that it
//   never plots IRIs or a rank, and both can be changed.
(function () {
  "use strict";
  if (typeof Yasgui === "undefined") { return; }
  const catalog = JSON.parse(document.getElementById("nkhr-catalog").textContent);
  const prefixes = JSON.parse(document.getElementById("nkhr-prefixes").textContent);
  const select = document.getElementById("catalog-select");
  const message = document.getElementById("editor-message");
  const BASE = "https://w3id.org/nkhr/";
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = ["integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "byte"]
    .map(function (t) { return XSD + t; });
  const params = new URLSearchParams(window.location.search);
  const storageKey = "nkhr-editor:" + window.location.search;

  // Completion: only local completers (the class and property completers ask a remote service).
  const Yasqe = Yasgui.Yasqe;
  Yasqe.forkAutocompleter("prefixes", {
    name: "nkhr-prefixes",
    bulk: true,
    persistenceId: null,
    get: function () {
      return Object.keys(prefixes).sort().map(function (p) { return p + ": <" + prefixes[p] + ">"; });
    },
  }, true);
  Yasqe.defaults.autocompleters = ["nkhr-prefixes", "variables"];

  // ------------------------------------------------------------------ labels of our IRIs
  const labelCache = {};
  function fetchLabels(iris) {
    const wanted = iris.filter(function (iri) { return iri.startsWith(BASE) && !(iri in labelCache); });
    if (!wanted.length) { return Promise.resolve(labelCache); }
    return fetch("/search/labels", {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(Array.from(new Set(wanted)).slice(0, 5000)),
    }).then(function (r) { return r.ok ? r.json() : {}; }).then(function (found) {
      wanted.forEach(function (iri) { labelCache[iri] = found[iri] || null; });
      return labelCache;
    }).catch(function () { return labelCache; });
  }
  function curie(iri) {
    let best = null;
    Object.keys(prefixes).forEach(function (p) {
      const ns = prefixes[p];
      if (iri.startsWith(ns) && iri.length > ns.length && (!best || ns.length > prefixes[best].length)) { best = p; }
    });
    return best ? best + ":" + iri.slice(prefixes[best].length) : iri;
  }
  function localPath(iri) { return iri.startsWith(BASE) ? "/" + iri.slice(BASE.length) : null; }
  function rawTerm(b) {
    if (!b) { return ""; }
    if (b.type === "uri") { return "<" + b.value + ">"; }
    if (b.type === "bnode") { return "_:" + b.value; }
    const text = JSON.stringify(b.value);
    if (b["xml:lang"]) { return text + "@" + b["xml:lang"]; }
    return b.datatype ? text + "^^" + curie(b.datatype) : text;
  }
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  function readable(b) {
    if (!b) { return ""; }
    if (b.type === "uri") {
      const known = labelCache[b.value];
      return known ? known.label : curie(b.value);
    }
    if (b.type === "bnode") { return "(blank node)"; }
    const dt = b.datatype || "";
    if (NUMERIC.indexOf(dt) >= 0 && b.value !== "" && !isNaN(Number(b.value))) {
      return Number(b.value).toLocaleString("en", { maximumFractionDigits: 6 });
    }
    if (dt === XSD + "date" || dt === XSD + "dateTime") {
      const m = /^(-?\d{4})-(\d{2})-(\d{2})/.exec(b.value);
      if (m) { return Number(m[3]) + " " + MONTHS[Number(m[2]) - 1] + " " + m[1]; }
    }
    if (dt === XSD + "gYearMonth") {
      const m = /^(-?\d{4})-(\d{2})/.exec(b.value);
      if (m) { return MONTHS[Number(m[2]) - 1] + " " + m[1]; }
    }
    if (dt === XSD + "boolean") { return b.value === "true" ? "yes" : "no"; }
    return b.value;
  }
  function isNumeric(b) {
    return b && (b.type === "literal" || b.type === "typed-literal") && b.value !== "" && !isNaN(Number(b.value))
      && (!b.datatype || NUMERIC.indexOf(b.datatype) >= 0 || b.datatype === XSD + "string");
  }

  // ------------------------------------------------------------------ the readable table
  const MAX_TABLE_ROWS = 1000;
  class ReadableTable {
    constructor(yasr) { this.yasr = yasr; this.priority = 10; this.label = "Table"; this.showRaw = false; }
    canHandleResults() { const r = this.yasr.results; return !!(r && r.getVariables && r.getVariables().length); }
    getIcon() { const el = document.createElement("span"); el.textContent = "▦"; return el; }
    draw() {
      const r = this.yasr.results;
      const variables = r.getVariables();
      const bindings = r.getBindings() || [];
      const iris = [];
      bindings.forEach(function (b) { variables.forEach(function (v) { if (b[v] && b[v].type === "uri") { iris.push(b[v].value); } }); });
      const self = this;
      fetchLabels(iris).then(function () { self.render(variables, bindings); });
    }
    render(variables, bindings) {
      const self = this;
      const wrap = document.createElement("div");
      wrap.className = "nkhr-results";
      const tools = document.createElement("p");
      const toggle = document.createElement("input");
      toggle.type = "checkbox"; toggle.id = "nkhr-raw-terms"; toggle.checked = this.showRaw;
      const toggleLabel = document.createElement("label");
      toggleLabel.htmlFor = toggle.id; toggleLabel.className = "inline"; toggleLabel.textContent = " RDF terms (raw)";
      toggle.addEventListener("change", function () { self.showRaw = toggle.checked; self.render(variables, bindings); });
      const count = document.createElement("span");
      count.className = "tag";
      count.textContent = bindings.length.toLocaleString("en") + " row" + (bindings.length === 1 ? "" : "s")
        + (bindings.length > MAX_TABLE_ROWS ? " (the first " + MAX_TABLE_ROWS + " shown; download for all)" : "") + " · ";
      tools.append(count, toggle, toggleLabel);
      const table = document.createElement("table");
      table.className = "nkhr-table";
      const head = table.createTHead().insertRow();
      variables.forEach(function (v) { const th = document.createElement("th"); th.scope = "col"; th.textContent = v; head.append(th); });
      const body = table.createTBody();
      bindings.slice(0, MAX_TABLE_ROWS).forEach(function (b) {
        const tr = body.insertRow();
        variables.forEach(function (v) {
          const td = tr.insertCell();
          const term = b[v];
          if (!term) { return; }
          td.title = rawTerm(term);
          const text = self.showRaw ? rawTerm(term) : readable(term);
          if (term.type === "uri") {
            const a = document.createElement("a");
            const local = localPath(term.value);
            a.href = local || term.value;
            if (!local) { a.rel = "noopener"; }
            a.textContent = text;
            td.append(a);
          } else {
            td.textContent = text;
            if (!self.showRaw && isNumeric(term)) { td.className = "number"; }
          }
        });
      });
      wrap.append(tools, table);
      this.yasr.resultsEl.replaceChildren(wrap);
    }
  }

  // ------------------------------------------------------------------ the chart
  const RANK_LIKE = /(^|_)(rank|position|order|index|number|no|id|year)$|rank|position|number$/i;
  class BarChart {
    constructor(yasr) { this.yasr = yasr; this.priority = 5; this.label = "Chart"; this.choice = {}; }
    columns() {
      const r = this.yasr.results;
      const variables = r.getVariables();
      const bindings = r.getBindings() || [];
      const numeric = variables.filter(function (v) {
        return bindings.some(function (b) { return b[v]; }) && bindings.every(function (b) { return !b[v] || isNumeric(b[v]); });
      });
      const labels = variables.filter(function (v) {
        return numeric.indexOf(v) < 0 && bindings.some(function (b) { return b[v]; });
      });
      return { variables: variables, bindings: bindings, numeric: numeric, labels: labels };
    }
    defaults(c) {
      // A value: the numeric column with the largest figures that is not a rank, a number or a year.
      const plain = c.numeric.filter(function (v) { return !RANK_LIKE.test(v); });
      const maxOf = function (v) { return Math.max.apply(null, c.bindings.filter(function (b) { return b[v]; }).map(function (b) { return Number(b[v].value); })); };
      const value = (plain.length ? plain : c.numeric).slice().sort(function (a, b) { return maxOf(b) - maxOf(a); })[0];
      // A label: a column of text (not IRIs) first, else an IRI column (shown by its label).
      const textual = c.labels.filter(function (v) { return c.bindings.every(function (b) { return !b[v] || b[v].type !== "uri"; }); });
      const label = textual[0] || c.labels[0];
      return { value: value, label: label };
    }
    canHandleResults() {
      const r = this.yasr.results;
      return !!(r && r.getVariables && r.getVariables().length > 1 && this.columns().numeric.length && this.columns().labels.length);
    }
    getIcon() { const el = document.createElement("span"); el.textContent = "▥"; return el; }
    draw() {
      const c = this.columns();
      const chosen = this.defaults(c);
      const value = c.numeric.indexOf(this.choice.value) >= 0 ? this.choice.value : chosen.value;
      const label = c.labels.indexOf(this.choice.label) >= 0 ? this.choice.label : chosen.label;
      const iris = c.bindings.filter(function (b) { return b[label] && b[label].type === "uri"; }).map(function (b) { return b[label].value; });
      const self = this;
      fetchLabels(iris).then(function () { self.render(c, label, value); });
    }
    picker(id, text, options, current, key) {
      const self = this;
      const wrap = document.createElement("span");
      const name = document.createElement("label");
      name.htmlFor = id; name.className = "inline"; name.textContent = text + " ";
      const choice = document.createElement("select");
      choice.id = id;
      options.forEach(function (v) { const o = document.createElement("option"); o.value = v; o.textContent = v; o.selected = v === current; choice.append(o); });
      choice.addEventListener("change", function () { self.choice[key] = choice.value; self.draw(); });
      wrap.append(name, choice, document.createTextNode("  "));
      return wrap;
    }
    render(c, label, value) {
      const rows = c.bindings.filter(function (b) { return b[value]; }).slice(0, 60);
      const max = Math.max.apply(null, rows.map(function (b) { return Number(b[value].value); }).concat([1]));
      const svgNS = "http://www.w3.org/2000/svg";
      const rowHeight = 22, width = 760, labelWidth = 300;
      const svg = document.createElementNS(svgNS, "svg");
      svg.setAttribute("viewBox", "0 0 " + width + " " + (rows.length * rowHeight + 10));
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "Bar chart of " + value + " by " + label);
      svg.classList.add("nkhr-chart");
      rows.forEach(function (b, i) {
        const y = i * rowHeight + 5;
        const name = document.createElementNS(svgNS, "text");
        name.setAttribute("x", labelWidth - 6); name.setAttribute("y", y + 14);
        name.setAttribute("text-anchor", "end"); name.setAttribute("font-size", "12");
        name.classList.add("bar-label");
        const raw = readable(b[label]);
        name.textContent = raw.length > 46 ? raw.slice(0, raw.lastIndexOf(" ", 45) > 20 ? raw.lastIndexOf(" ", 45) : 45) + "…" : raw;
        const title = document.createElementNS(svgNS, "title");
        title.textContent = raw + ": " + readable(b[value]);
        const bar = document.createElementNS(svgNS, "rect");
        const barWidth = Math.max(1, (width - labelWidth - 90) * Number(b[value].value) / max);
        bar.setAttribute("x", labelWidth); bar.setAttribute("y", y + 3);
        bar.setAttribute("width", barWidth); bar.setAttribute("height", rowHeight - 8);
        bar.setAttribute("fill", "#457b9d");
        bar.append(title);
        const figure = document.createElementNS(svgNS, "text");
        figure.setAttribute("x", labelWidth + barWidth + 4); figure.setAttribute("y", y + 14);
        figure.setAttribute("font-size", "12");
        figure.classList.add("bar-value");
        figure.textContent = Number(b[value].value).toLocaleString("en");
        svg.append(name, bar, figure);
      });
      const controls = document.createElement("p");
      controls.append(this.picker("nkhr-chart-label", "Names from", c.labels, label, "label"),
                      this.picker("nkhr-chart-value", "Bars from", c.numeric, value, "value"));
      this.yasr.resultsEl.replaceChildren(controls, svg);
    }
  }
  Yasgui.Yasr.registerPlugin("table", ReadableTable);
  Yasgui.Yasr.registerPlugin("chart", BarChart);
  Yasgui.Yasr.defaults.pluginOrder = ["table", "response", "chart"];
  Yasgui.Yasr.defaults.prefixes = prefixes;

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: new URL("/sparql", window.location.href).href, method: "POST" },
    copyEndpointOnNewTab: false,
    populateFromUrl: false,                 // our own addresses: ?sparql=TEXT or ?query=NAME
    endpointCatalogueOptions: { getData: function () { return []; } },
    persistenceId: null,
    yasqe: { prefixCcApi: null, resizeable: true, editorHeight: "320px" },
  });
  window.nkhrYasgui = yasgui;                // for the browser tests and the curious
  // YASGUI leaves its endpoint field unlabelled; name it for screen readers.
  document.querySelectorAll("#yasgui input.autocomplete").forEach(function (input) {
    input.setAttribute("aria-label", "SPARQL endpoint URL");
  });
  const tab = yasgui.getTab();
  const yasqe = tab.getYasqe();

  // ------------------------------------------------------------------ sharing and keeping the query
  function shareLink(text) { return new URL("/editor?sparql=" + encodeURIComponent(text), window.location.href).href; }
  // YASGUI's own share button gives the same address as ours.
  Object.getPrototypeOf(tab).getShareableLink = function () { return shareLink(this.getYasqe().getValue()); };
  const share = document.getElementById("share-link");
  const shareOut = document.getElementById("share-link-url");
  if (share && shareOut) {
    share.addEventListener("click", function () {
      shareOut.value = shareLink(yasqe.getValue());
      shareOut.hidden = false;
      shareOut.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(shareOut.value).catch(function () {}); }
    });
  }
  function keep() { try { window.localStorage.setItem(storageKey, yasqe.getValue()); } catch (e) { /* private mode */ } }
  function kept() { try { return window.localStorage.getItem(storageKey); } catch (e) { return null; } }

  function catalogText(name) {
    const entry = catalog.find(function (q) { return q.name === name; }) || catalog[0];
    return entry ? entry.query : "";
  }
  select.addEventListener("change", function () { yasqe.setValue(catalogText(select.value)); keep(); });

  // ------------------------------------------------------------------ prefixes and errors in sentences
  function say(text) { if (message) { message.textContent = text; message.hidden = !text; } }
  function stripped(text) {
    return text.replace(/<[^<>\s]*>/g, " ").replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, " ").replace(/#[^\n]*/g, " ");
  }
  function usedPrefixes(text) {
    const found = new Set();
    const pattern = /(^|[\s(){}\[\],;.\/|^!=<>*+?-])([A-Za-z][\w-]*)?:(?=[\w%\\]|[\s.;,)\]}])/g;
    let m;
    const body = stripped(text);
    while ((m = pattern.exec(body)) !== null) { found.add(m[2] || ""); }
    return found;
  }
  function declaredPrefixes(text) {
    const found = new Set();
    const pattern = /PREFIX\s+([A-Za-z][\w-]*)?:/gi;
    let m;
    const body = stripped(text.replace(/<[^<>\s]*>/g, "<>"));
    while ((m = pattern.exec(body)) !== null) { found.add(m[1] || ""); }
    return found;
  }
  // Declare the project's prefixes a query uses without declaring; say which others are missing.
  function declareMissing() {
    const text = yasqe.getValue();
    const declared = declaredPrefixes(text);
    const missing = Array.from(usedPrefixes(text)).filter(function (p) { return !declared.has(p); });
    const ours = missing.filter(function (p) { return p in prefixes; });
    const unknown = missing.filter(function (p) { return !(p in prefixes); });
    if (ours.length) {
      const add = {};
      ours.forEach(function (p) { add[p] = prefixes[p]; });
      yasqe.addPrefixes(add);
    }
    if (unknown.length) {
      say("The query uses the prefix" + (unknown.length > 1 ? "es " : " ") + unknown.map(function (p) { return p + ":"; }).join(", ")
        + " without declaring " + (unknown.length > 1 ? "them" : "it") + ", and this project has no prefix of that name. "
        + "Declare it (PREFIX " + unknown[0] + ": <…>) or use one of: " + Object.keys(prefixes).map(function (p) { return p + ":"; }).join(", ") + ".");
      return false;
    }
    say(ours.length ? "Declared the project's prefix" + (ours.length > 1 ? "es " : " ") + ours.map(function (p) { return p + ":"; }).join(", ") + " for this query." : "");
    return true;
  }
  // "error at 3:17: expected ..." from the endpoint, as a sentence with the text found there.
  function explain(errorText) {
    const m = /error at (\d+):(\d+)/.exec(errorText || "");
    if (!m) { return null; }
    const line = Number(m[1]), column = Number(m[2]);
    const lines = yasqe.getValue().split("\n");
    const rest = (lines[line - 1] || "").slice(Math.max(0, column - 1));
    const token = (/^\S+/.exec(rest) || [""])[0];
    const found = token ? "“" + (token.length > 30 ? token.slice(0, 30) + "…" : token) + "”" : (line >= lines.length ? "the end of the query" : "the end of the line");
    let sentence = "Line " + line + ", column " + column + ": the query cannot go on with " + found + " there.";
    if (/Prefix not found/i.test(errorText)) {
      const name = (/^([A-Za-z][\w-]*)?:/.exec(token) || [])[0] || token;
      sentence = "Line " + line + ", column " + column + ": the prefix “" + name + "” is not declared.";
    }
    const expected = /expected (?:one of )?(.*)$/.exec(errorText.split("\n")[0]);
    if (expected && !/[\[\]'\\]/.test(expected[1]) && expected[1].split(",").length <= 8) {
      sentence += " The parser expected " + expected[1].split(",").map(function (t) { return t.trim(); }).join(" or ") + ".";
    }
    return sentence;
  }
  const send = yasqe.query.bind(yasqe);
  yasqe.query = function () {
    if (!declareMissing()) { return Promise.resolve(); }
    keep();
    return send.apply(null, arguments);
  };
  function reportError() {
    const results = tab.getYasr().results;
    const error = results && results.getError && results.getError();
    if (!error) { return; }
    const text = typeof error === "string" ? error : (error.text || (error.response && error.response.text) || error.statusText || "");
    const sentence = explain(String(text));
    if (sentence) { say(sentence); }
  }
  yasgui.on("queryResponse", function () { setTimeout(reportError, 0); });
  yasqe.on("change", function () { keep(); });

  // ------------------------------------------------------------------ what the editor opens with
  const shared = params.get("sparql");
  const named = params.get("query");
  const saved = kept();
  if (saved !== null && saved.trim()) { yasqe.setValue(saved); }
  else if (shared !== null) { yasqe.setValue(shared); }
  else { yasqe.setValue(catalogText(named || select.value)); }
  if (shared !== null || named) { yasqe.query(); }
}());
