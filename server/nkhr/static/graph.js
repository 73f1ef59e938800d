// The neighbourhood graph on an entity page: the entity, what it links to and what links to
// it, and the claims about it. Nodes are coloured by class; clicking a node opens its page;
// hovering or focusing one (also from the keyboard list) shows its facts in the side panel.
(function () {
  "use strict";
  const BASE = "https://w3id.org/nkhr/";
  const container = document.getElementById("graph");
  if (!container || typeof cytoscape === "undefined") { return; }
  const panel = document.getElementById("graph-panel");
  const legend = document.getElementById("graph-legend");
  const PALETTE = ["#1d3557", "#e63946", "#2a9d8f", "#e9c46a", "#f4a261", "#8d5fd3", "#457b9d",
                   "#6a994e", "#bc4749", "#3d405b", "#b5838d", "#0081a7"];
  const HIDDEN = new Set(["id", "iri", "label", "name", "class", "classes"]);

  function href(iri) {                     // only our own pages and http(s): never javascript: or data:
    if (!iri) { return null; }
    if (iri.startsWith(BASE)) { return "/" + iri.slice(BASE.length); }
    return /^https?:\/\//i.test(iri) ? iri : null;
  }
  function colourFor(cls, colours) {
    if (!colours.has(cls)) { colours.set(cls, PALETTE[colours.size % PALETTE.length]); }
    return colours.get(cls);
  }
  function text(tag, content, className) {
    const el = document.createElement(tag);
    el.textContent = content;            // never innerHTML: labels are data, not markup
    if (className) { el.className = className; }
    return el;
  }
  function showFacts(data) {
    panel.replaceChildren();
    panel.appendChild(text("h3", data.label || data.iri || data.id));
    const target = href(data.iri || data.id);
    if (target) {
      const link = text("a", "Open its page");
      link.href = target;
      panel.appendChild(link);
    }
    const list = document.createElement("dl");
    Object.keys(data).sort().forEach(function (key) {
      const value = data[key];
      if (HIDDEN.has(key) || value === null || value === undefined || value === "") { return; }
      list.appendChild(text("dt", key));
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
      const colours = new Map();
      const elements = graph.elements || graph;
      (elements.nodes || []).forEach(function (node) {
        node.data.colour = colourFor(node.data.class || "Thing", colours);
        if (node.data.id === container.dataset.iri) { node.classes = "centre"; }
      });
      const cy = cytoscape({
        container: container,
        elements: elements,
        style: [
          { selector: "node", style: { "background-color": "data(colour)", "label": "data(label)",
            "font-size": 9, "text-wrap": "ellipsis", "text-max-width": 120, "width": 18, "height": 18,
            "color": "#1b1b1b" } },
          { selector: "node.centre", style: { "width": 30, "height": 30, "font-size": 12, "font-weight": "bold",
            "border-width": 3, "border-color": "#000" } },
          { selector: "edge", style: { "width": 1, "line-color": "#bbb", "target-arrow-color": "#bbb",
            "target-arrow-shape": "triangle", "curve-style": "bezier", "label": "data(label)", "font-size": 8,
            "color": "#555", "text-opacity": 0, "text-background-color": "#fff", "text-background-opacity": 0 } },
          { selector: "edge.show", style: { "text-opacity": 1, "text-background-opacity": 0.8, "line-color": "#666",
            "target-arrow-color": "#666", "width": 2 } },
        ],
        // The entity in the middle, its neighbours on rings around it.
        layout: { name: "concentric", animate: false, minNodeSpacing: 28, avoidOverlap: true,
                  concentric: function (node) { return node.hasClass("centre") ? 2 : 1; },
                  levelWidth: function () { return 1; } },
      });
      window.nkhrGraph = cy;                 // for the browser tests and the curious
      cy.on("mouseover tap", "node", function (event) {
        cy.edges().removeClass("show");
        event.target.connectedEdges().addClass("show");
        showFacts(event.target.data());
      });
      cy.on("tap", "node", function (event) {
        const target = href(event.target.data("iri") || event.target.id());
        if (target && target !== window.location.pathname) { window.location.assign(target); }
      });
      legend.replaceChildren();
      colours.forEach(function (colour, cls) {
        const item = text("li", cls);
        const swatch = text("span", "", "swatch");
        swatch.dataset.colour = colour;
        swatch.setAttribute("aria-hidden", "true");
        swatch.style.backgroundColor = colour;   // a CSSOM property, allowed by the page's CSP
        item.prepend(swatch);
        legend.appendChild(item);
      });
      const nodeList = document.createElement("ul");
      nodeList.className = "graph-nodes";
      nodeList.setAttribute("aria-label", "Nodes of the graph");
      cy.nodes().sort(function (a, b) { return (a.data("label") || "").localeCompare(b.data("label") || ""); })
        .forEach(function (node) {
          const item = document.createElement("li");
          const link = text("a", node.data("label") || node.id());
          const target = href(node.data("iri") || node.id());
          if (target) { link.href = target; } else { link.tabIndex = 0; }
          link.addEventListener("focus", function () { showFacts(node.data()); node.select(); });
          item.appendChild(link);
          item.appendChild(text("span", " (" + (node.data("class") || "") + ")", "tag"));
          nodeList.appendChild(item);
        });
      const details = document.createElement("details");
      details.appendChild(text("summary", "All " + cy.nodes().length + " nodes as a list"));
      details.appendChild(nodeList);
      legend.after(details);
    })
    .catch(function (error) {
      panel.replaceChildren(text("p", "The graph view is not available: " + error.message));
    });
}());
