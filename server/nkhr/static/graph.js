// The neighbourhood graph on an entity page: the entity, what it links to and what links to it,
// and the claims about it. Made to stay legible on hubs (North Korea has ~290 neighbours):
// - above GROUP_ABOVE neighbours, the neighbours of each class are one group node ("Claim · 97"),
//   expanded on click or with "Show every node"; the default view is never zoomed out below
//   MIN_ZOOM, so labels are drawn at least 12 × 0.85 ≈ 10 px high;
// - each class has one fixed colour and shape on every page (CLASSES), listed in the legend,
//   whose checkboxes filter the graph by class;
// - claims are labelled by their figure ("46,500 prisoners held"), and nodes that would still
//   share a label are numbered;
// - zoom in / out / fit / full-screen buttons; the hover panel shows facts, never internals;
// - the keyboard alternative: every node as a list of links (focus one to see its facts).
(function () {
  "use strict";
  const BASE = "https://w3id.org/nkhr/";
  const container = document.getElementById("graph");
  if (!container || typeof cytoscape === "undefined") { return; }
  const panel = document.getElementById("graph-panel");
  const legend = document.getElementById("graph-legend");
  const GROUP_ABOVE = 40;
  const MIN_ZOOM = 0.85;
  const FONT = 12;
  // One colour and shape per class of the ontology, the same on every page.
  const C = ["#1d3557", "#c1121f", "#2a9d8f", "#e9a23b", "#8d5fd3", "#457b9d", "#6a994e", "#b5651d",
             "#d6336c", "#3d405b", "#0081a7", "#7f5539", "#9c6644", "#588157", "#5e60ce"];
  const CLASSES = {
    Claim: [C[1], "ellipse"], Practice: [C[2], "ellipse"], Section: [C[4], "round-rectangle"],
    Event: [C[3], "ellipse"], Report: [C[5], "round-rectangle"], GovernmentBody: [C[0], "diamond"],
    AdministrativeRegion: [C[6], "hexagon"], Person: [C[8], "ellipse"], PoliticalPrisonCamp: [C[9], "triangle"],
    Abduction: [C[7], "ellipse"], Resolution: [C[10], "round-rectangle"], Document: [C[11], "round-rectangle"],
    Rating: [C[12], "diamond"], Execution: [C[13], "ellipse"], Law: [C[14], "round-rectangle"],
    Place: [C[6], "ellipse"], Treaty: [C[0], "round-rectangle"], Organisation: [C[5], "diamond"],
    ReeducationCamp: [C[9], "diamond"], Ban: [C[1], "round-rectangle"], Book: [C[3], "round-rectangle"],
    Country: [C[0], "hexagon"], MediaOrganisation: [C[8], "diamond"], DetentionFacility: [C[9], "ellipse"],
    DetentionSystem: [C[9], "hexagon"], CampSection: [C[9], "round-rectangle"], Testimony: [C[2], "round-rectangle"],
    Hearing: [C[10], "ellipse"], Meeting: [C[10], "diamond"], Visit: [C[13], "diamond"], Vote: [C[14], "ellipse"],
    Appointment: [C[12], "ellipse"], Film: [C[7], "round-rectangle"], NewsArticle: [C[11], "ellipse"],
    EncyclopediaArticle: [C[11], "diamond"], IntergovernmentalBody: [C[0], "ellipse"],
    NonGovernmentalOrganisation: [C[5], "ellipse"], PoliticalParty: [C[8], "hexagon"], Group: [C[3], "diamond"],
    Provision: [C[14], "diamond"], CuratorsReading: [C[12], "round-rectangle"], Certainty: [C[13], "hexagon"],
    FacilityStatus: [C[7], "diamond"],
  };
  // What the hover panel never shows (ids, internal copies), and readable names for the rest.
  const INTERNAL = new Set(["id", "iri", "value", "name", "label", "display", "classes", "colour", "shape",
                            "group", "members", "count", "parent"]);
  const NAMES = { class: "Kind", sections: "Article sections", attributedTo: "Said by", certainty: "Certainty",
                  quantityKind: "Quantity", schema_value: "Figure", minValue: "At least", maxValue: "At most",
                  unit: "Unit", disputedBy: "Disputed by", altLabel: "Also called", comment: "Note" };

  function look(cls) {
    if (CLASSES[cls]) { return CLASSES[cls]; }
    let hash = 0;                             // a class added later: still one stable look
    for (const ch of cls || "Thing") { hash = (hash * 31 + ch.codePointAt(0)) >>> 0; }
    return [C[hash % C.length], ["ellipse", "diamond", "hexagon"][hash % 3]];
  }
  function href(iri) {                        // only our own pages and http(s): never javascript: or data:
    if (!iri) { return null; }
    if (iri.startsWith(BASE)) { return "/" + iri.slice(BASE.length); }
    return /^https?:\/\//i.test(iri) ? iri : null;
  }
  function text(tag, content, className) {
    const el = document.createElement(tag);
    el.textContent = content;                 // never innerHTML: labels are data, not markup
    if (className) { el.className = className; }
    return el;
  }
  function button(label, title, action) {
    const el = text("button", label);
    el.type = "button";
    el.title = title;
    el.setAttribute("aria-label", title);
    el.addEventListener("click", action);
    return el;
  }
  function figure(data) {                     // a claim's figure, as a person would write it
    const n = function (x) { return Number(x).toLocaleString("en"); };
    let amount = null;
    if (data.schema_value !== undefined && data.schema_value !== "") { amount = n(data.schema_value); }
    else if (data.minValue !== undefined && data.maxValue !== undefined) { amount = n(data.minValue) + "–" + n(data.maxValue); }
    else if (data.minValue !== undefined) { amount = "at least " + n(data.minValue); }
    else if (data.maxValue !== undefined) { amount = "at most " + n(data.maxValue); }
    if (amount === null) { return null; }
    const unit = data.unit && data.unit !== "number" ? " " + data.unit : "";
    return amount + unit + (data.quantityKind ? " " + data.quantityKind : "");
  }
  function short(label) { return label.length > 48 ? label.slice(0, 46) + "…" : label; }
  function displayLabels(nodes) {
    nodes.forEach(function (node) {
      const d = node.data;
      const fig = d.class === "Claim" ? figure(d) : null;
      d.display = fig || short(d.label || d.iri || d.id);
    });
    const seen = new Map();
    nodes.forEach(function (node) { seen.set(node.data.display, (seen.get(node.data.display) || 0) + 1); });
    const counter = new Map();
    nodes.forEach(function (node) {
      const d = node.data;
      if (seen.get(d.display) > 1) {
        counter.set(d.display, (counter.get(d.display) || 0) + 1);
        d.display = d.display + " (" + counter.get(d.display) + ")";
      }
    });
  }
  function showFacts(data) {
    panel.replaceChildren();
    panel.appendChild(text("h3", data.label || data.display || data.iri || data.id));
    if (data.group) {
      panel.appendChild(text("p", data.count + " linked resources of the kind " + data.group +
                                  ". Click the node to show each of them."));
      return;
    }
    const target = href(data.iri || data.id);
    if (target) {
      const link = text("a", "Open its page");
      link.href = target;
      panel.appendChild(link);
    }
    const list = document.createElement("dl");
    const keys = Object.keys(data).filter(function (k) { return !INTERNAL.has(k); });
    keys.sort(function (a, b) { return (NAMES[a] ? 0 : 1) - (NAMES[b] ? 0 : 1) || a.localeCompare(b); });
    keys.forEach(function (key) {
      const value = data[key];
      if (value === null || value === undefined || value === "") { return; }
      if (typeof value === "string" && value.startsWith(BASE)) { return; }    // an IRI: not for reading
      const name = NAMES[key] || key.replace(/_/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
      list.appendChild(text("dt", name));
      list.appendChild(text("dd", Array.isArray(value) ? value.join(" | ") : String(value)));
    });
    panel.appendChild(list);
  }

  fetch("/exports/neighbourhood?iri=" + encodeURIComponent(container.dataset.iri))
    .then(function (response) {
      if (!response.ok) { throw new Error("no neighbourhood (" + response.status + ")"); }
      return response.json();
    })
    .then(function (graph) {
      const elements = graph.elements || graph;
      const nodes = elements.nodes || [];
      const edges = elements.edges || [];
      const centre = container.dataset.iri;
      displayLabels(nodes);
      const byClass = new Map();
      nodes.forEach(function (node) {
        const d = node.data;
        d.class = d.class || "Thing";
        [d.colour, d.shape] = look(d.class);
        if (d.id === centre) { node.classes = "centre"; return; }
        if (!byClass.has(d.class)) { byClass.set(d.class, []); }
        byClass.get(d.class).push(node);
      });
      const grouped = nodes.length - 1 > GROUP_ABOVE;
      const expanded = new Set();             // classes shown node by node
      const hidden = new Set();               // classes filtered out

      function visibleElements() {
        const shown = [];
        const memberOf = new Map();           // node id -> the group node standing for it
        nodes.forEach(function (node) {
          const cls = node.data.class;
          if (node.data.id !== centre && hidden.has(cls)) { return; }
          const members = byClass.get(cls) || [];
          if (node.data.id !== centre && grouped && !expanded.has(cls) && members.length > 1) {
            memberOf.set(node.data.id, "group:" + cls);
            return;
          }
          shown.push(node);
        });
        if (grouped) {
          byClass.forEach(function (members, cls) {
            if (hidden.has(cls) || expanded.has(cls) || members.length < 2) { return; }
            const [colour, shape] = look(cls);
            shown.push({ data: { id: "group:" + cls, group: cls, count: members.length, colour: colour,
                                 shape: shape, display: cls + " · " + members.length, label: cls },
                         classes: "group" });
          });
        }
        const ids = new Set(shown.map(function (n) { return n.data.id; }));
        const merged = new Map();
        edges.forEach(function (edge) {
          const source = memberOf.get(edge.data.source) || edge.data.source;
          const target = memberOf.get(edge.data.target) || edge.data.target;
          if (!ids.has(source) || !ids.has(target) || source === target) { return; }
          if (source === edge.data.source && target === edge.data.target) { shown.push(edge); return; }
          if (source.startsWith("group:") && target.startsWith("group:")) { return; }   // kind to kind: noise
          const key = source + " " + target;
          if (!merged.has(key)) {
            merged.set(key, { data: { id: "merged:" + key, source: source, target: target, count: 0 } });
          }
          merged.get(key).data.count += 1;
        });
        merged.forEach(function (edge) {
          edge.data.label = edge.data.count + " link" + (edge.data.count > 1 ? "s" : "");
          shown.push(edge);
        });
        return shown;
      }

      const cy = cytoscape({
        container: container,
        elements: visibleElements(),
        style: [
          { selector: "node", style: { "background-color": "data(colour)", "shape": "data(shape)", "label": "data(display)",
            "font-size": FONT, "text-wrap": "wrap", "text-max-width": 150, "width": 18, "height": 18,
            "color": "#1b1b1b", "text-valign": "bottom", "text-margin-y": 3,
            "text-background-color": "#fcfcfc", "text-background-opacity": 0.85, "text-background-padding": 1 } },
          { selector: "node.group", style: { "width": 30, "height": 30, "font-weight": "bold",
            "border-width": 2, "border-color": "#1b1b1b", "border-style": "double" } },
          { selector: "node.centre", style: { "width": 34, "height": 34, "font-size": FONT + 2, "font-weight": "bold",
            "border-width": 3, "border-color": "#000" } },
          { selector: "node:selected", style: { "border-width": 3, "border-color": "#0b57d0" } },
          { selector: "edge", style: { "width": 1, "line-color": "#aaa", "target-arrow-color": "#aaa",
            "target-arrow-shape": "triangle", "curve-style": "bezier", "label": "data(label)", "font-size": 10,
            "color": "#333", "text-opacity": 0, "text-background-color": "#fff", "text-background-opacity": 0 } },
          { selector: "edge.show", style: { "text-opacity": 1, "text-background-opacity": 0.85, "line-color": "#555",
            "target-arrow-color": "#555", "width": 2 } },
        ],
      });
      window.nkhrGraph = cy;                  // for the browser tests and the curious

      function layout() {
        // The entity in the middle; above 20 neighbours, two staggered rings, so that
        // neighbouring labels do not run into each other.
        const ring = new Map();
        cy.nodes().not(".centre").sort(function (a, b) { return a.data("display").localeCompare(b.data("display")); })
          .forEach(function (node, i) { ring.set(node.id(), cy.nodes().length > 21 ? i % 2 : 0); });
        cy.layout({ name: "concentric", animate: false, avoidOverlap: true,
                    minNodeSpacing: cy.nodes().length > 21 ? 30 : 45,
                    concentric: function (node) { return node.hasClass("centre") ? 3 : 2 - ring.get(node.id()); },
                    levelWidth: function () { return 1; } }).run();
        defaultView();
      }
      function defaultView() {                // fit, but never so far out that labels shrink below ~10 px
        cy.fit(undefined, 30);
        if (cy.zoom() < MIN_ZOOM) {
          cy.zoom(MIN_ZOOM);
          cy.center(cy.getElementById(centre));
        }
      }
      function redraw() {
        cy.elements().remove();
        cy.add(visibleElements());
        layout();
        drawLegend();
      }
      layout();

      cy.on("mouseover tap", "node", function (event) {
        cy.edges().removeClass("show");
        event.target.connectedEdges().addClass("show");
        showFacts(event.target.data());
      });
      cy.on("tap", "node", function (event) {
        const data = event.target.data();
        if (data.group) { expanded.add(data.group); redraw(); return; }
        const target = href(data.iri || event.target.id());
        if (target && target !== window.location.pathname) { window.location.assign(target); }
      });

      // Controls: zoom, fit, full screen, and (on hubs) every node at once.
      const section = container.closest(".graph-view") || container.parentElement;
      const tools = document.createElement("div");
      tools.className = "graph-tools";
      tools.setAttribute("role", "toolbar");
      tools.setAttribute("aria-label", "Graph view");
      const zoomBy = function (factor) {
        cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } });
      };
      tools.append(button("+", "Zoom in", function () { zoomBy(1.25); }),
                   button("−", "Zoom out", function () { zoomBy(0.8); }),
                   button("Fit", "Fit the whole graph in view", function () { cy.fit(undefined, 30); }),
                   button("Full screen", "Show the graph full screen", function () {
                     if (document.fullscreenElement) { document.exitFullscreen(); }
                     else if (section.requestFullscreen) { section.requestFullscreen(); }
                   }));
      if (grouped) {
        const all = button("Show every node", "Show every node instead of one node per kind", function () {
          const open = expanded.size < byClass.size;
          byClass.forEach(function (_members, cls) { if (open) { expanded.add(cls); } else { expanded.delete(cls); } });
          all.textContent = open ? "Group by kind" : "Show every node";
          redraw();
        });
        tools.append(all);
      }
      (container.closest(".graph-layout") || container).before(tools);
      document.addEventListener("fullscreenchange", function () { cy.resize(); defaultView(); });

      // The legend: one fixed colour per class, and a checkbox per class to filter the view.
      function drawLegend() {
        legend.replaceChildren();
        Array.from(byClass.keys()).sort().forEach(function (cls) {
          const item = document.createElement("li");
          const label = document.createElement("label");
          const box = document.createElement("input");
          box.type = "checkbox";
          box.checked = !hidden.has(cls);
          box.addEventListener("change", function () {
            if (box.checked) { hidden.delete(cls); } else { hidden.add(cls); }
            redraw();
          });
          const swatch = text("span", "", "swatch swatch-" + look(cls)[1]);
          swatch.dataset.colour = look(cls)[0];
          swatch.setAttribute("aria-hidden", "true");
          swatch.style.backgroundColor = look(cls)[0];   // a CSSOM property, allowed by the page's CSP
          label.append(box, swatch, document.createTextNode(cls + " (" + byClass.get(cls).length + ")"));
          item.appendChild(label);
          legend.appendChild(item);
        });
      }
      drawLegend();

      const nodeList = document.createElement("ul");
      nodeList.className = "graph-nodes";
      nodeList.setAttribute("aria-label", "Nodes of the graph");
      nodes.slice().sort(function (a, b) { return (a.data.display || "").localeCompare(b.data.display || ""); })
        .forEach(function (node) {
          const item = document.createElement("li");
          const link = text("a", node.data.display || node.data.id);
          const target = href(node.data.iri || node.data.id);
          if (target) { link.href = target; } else { link.tabIndex = 0; }
          link.addEventListener("focus", function () {
            showFacts(node.data);
            cy.nodes().unselect();
            cy.getElementById(node.data.id).select();
          });
          item.appendChild(link);
          item.appendChild(text("span", " (" + (node.data.class || "") + ")", "tag"));
          nodeList.appendChild(item);
        });
      const details = document.createElement("details");
      details.className = "graph-list";
      details.appendChild(text("summary", "All " + nodes.length + " nodes as a list"));
      details.appendChild(nodeList);
      legend.after(details);
    })
    .catch(function (error) {
      panel.replaceChildren(text("p", "The graph view is not available: " + error.message));
    });
}());
