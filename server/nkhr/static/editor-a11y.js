// The query editor for keyboard and screen-reader users, on top of YASGUI (static/editor.js):
// the query text is labelled and does not take focus on load; Tab indents inside it, and Esc
// leaves it (the page says so), so the keyboard is never trapped; YASGUI's unnamed controls get
// names; its "add tab" button, which breaks the tab list's ARIA structure, is left out.
(function () {
  "use strict";
  const yasgui = window.nkhrYasgui;
  if (!yasgui) { return; }
  const root = document.getElementById("yasgui");
  const NAMES = [                                   // selector inside #yasgui -> accessible name
    [".CodeMirror textarea", "SPARQL query text"],
    [".yasr select", "Rows per page"],
    [".yasr input[type=search], .yasr .dataTables_filter input", "Filter the results"],
    [".tabsList input[type=text]", "Tab name"],
    [".requestConfigWrapper select", "Response format"],
  ];

  function nameControls() {
    NAMES.forEach(function (pair) {
      root.querySelectorAll(pair[0]).forEach(function (el) {
        if (!el.getAttribute("aria-label")) { el.setAttribute("aria-label", pair[1]); }
      });
    });
    root.querySelectorAll(".CodeMirror textarea").forEach(function (el) {
      el.setAttribute("aria-describedby", "editor-keys");
    });
    // CodeMirror's scroller is a scrolling region: it must be focusable, and focusing it (Tab or
    // Shift+Tab) hands the focus on to the query text, so it is the editor's one stop in the order.
    root.querySelectorAll(".CodeMirror").forEach(function (el) {
      const scroller = el.querySelector(".CodeMirror-scroll");
      if (!scroller || scroller.dataset.nkhrFocus || !el.CodeMirror) { return; }
      scroller.dataset.nkhrFocus = "1";
      scroller.setAttribute("tabindex", "0");
      scroller.setAttribute("aria-label", "SPARQL query text");
      scroller.addEventListener("focus", function (event) {
        if (event.target === scroller) { el.CodeMirror.focus(); }
      });
    });
    root.querySelectorAll(".tabsList .addTab").forEach(function (el) {
      const holder = el.closest("[role=presentation]") || el;
      holder.hidden = true;
    });
  }

  function leaveEditor(cm) {
    // The next control after the editor: its Run button, else anything focusable after it.
    const run = root.querySelector(".yasqe_queryButton");
    cm.getInputField().blur();
    if (run) { run.setAttribute("tabindex", "0"); run.focus(); }
  }

  function keyboard(yasqe) {
    const keys = Object.assign({}, yasqe.getOption("extraKeys") || {});
    keys.Esc = leaveEditor;
    yasqe.setOption("extraKeys", keys);
  }

  // Focus stays where the browser puts it on load (the page's start), not in the query text.
  const active = document.activeElement;
  if (active && active.closest && active.closest(".CodeMirror")) { active.blur(); }

  nameControls();
  const tab = yasgui.getTab();
  if (tab && tab.getYasqe()) { keyboard(tab.getYasqe()); }
  yasgui.on("tabChange", function () {
    const current = yasgui.getTab();
    if (current && current.getYasqe()) { keyboard(current.getYasqe()); }
  });
  new MutationObserver(nameControls).observe(root, { childList: true, subtree: true });
}());
