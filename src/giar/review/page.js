(function () {
  "use strict";
  // The review page's only script: click-to-mark, sorting, filtering and exporting corrections.
  // Document text is only ever set with textContent, never parsed as HTML.
  var root = document.documentElement;
  root.classList.add("js");

  function all(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  // --- a value: mark its span in the source pane, show where it came from ---------------------------
  var selected = null, current = null;

  function markOf(td) {
    var a = td.querySelector("a[href^='#']");
    return a ? document.getElementById(a.getAttribute("href").slice(1)) : null;
  }

  function select(td) {
    var section = td.closest("section.report");
    if (selected) selected.classList.remove("sel");
    if (current) current.classList.remove("current");
    selected = td;
    td.classList.add("sel");
    current = markOf(td);
    showDetails(section, td);  // first: the details box sets the source pane's height
    if (current) {
      current.classList.add("current");
      reveal(current);
    }
  }

  function reveal(mark) {
    // centre the mark in the part of the source pane the window shows (the window itself stays put)
    var pane = mark.closest(".source");
    var r = pane.getBoundingClientRect();
    var top = Math.max(r.top, 0), bottom = Math.min(r.bottom, window.innerHeight);
    if (bottom - top < 80) { mark.scrollIntoView({ block: "center" }); return; }
    pane.scrollTop = Math.max(0, mark.offsetTop - (top - r.top) - (bottom - top) / 2);
  }

  function row(dl, name, value) {
    if (!value) return;
    dl.appendChild(el("dt", name));
    dl.appendChild(el("dd", value));
  }

  function showDetails(section, td) {
    var box = section.querySelector(".details");
    var d = td.dataset;
    box.textContent = "";
    box.appendChild(el("h4", d.label));
    var dl = el("dl");
    row(dl, "key", d.key);
    row(dl, "value", (d.value || "null") + " (" + d.how + ")");
    row(dl, "read as", d.text);
    row(dl, "span", d.span ? d.span + (current ? "" : " (not in the text shown)") : "none: not printed where it could be read");
    row(dl, "page", d.page);
    row(dl, "box (pt)", d.box);
    row(dl, "repairs", d.repairs);
    row(dl, "read before correction", d.original);
    row(dl, "gold", d.gold);
    box.appendChild(dl);
    var notes = (d.rules ? d.rules.split("\n") : []).concat(d.findings ? d.findings.split("\n") : []);
    notes.forEach(function (n) { if (n) box.appendChild(el("p", n, n.match(/^\d+\. rule/) ? "warn" : "")); });
    if (section.dataset.hash) box.appendChild(correctionForm(section, td));
  }

  // --- corrections: kept in the page, exported as a small JSON file ---------------------------------
  var corrections = {};
  var dirty = false;
  try {
    JSON.parse(document.getElementById("giar-corrections").textContent).forEach(function (c) {
      corrections[c.content_hash + " " + c.key] = c;
    });
  } catch (e) { /* none given */ }

  function count() {
    var n = document.getElementById("corr-count");
    if (n) n.textContent = String(Object.keys(corrections).length);
  }

  function showCorrection(td, c) {
    if (c && !c.confirmed && td.dataset.how === "human" && String(c.value) === (td.dataset.value || "null")) {
      c = null;  // applied already (giar review --corrections): the cell shows it as human
    }
    td.classList.toggle("corrected", !!c && !c.confirmed);
    td.classList.toggle("confirmed", !!c && c.confirmed);
    var fix = td.querySelector(".fix");
    if (fix) fix.remove();
    if (c) td.appendChild(el("span", c.confirmed ? "✓" : "→" + (c.value === null ? "∅" : c.value), "fix"));
  }

  function save(section, td, c) {
    c.content_hash = section.dataset.hash;
    c.source = section.dataset.source;
    c.key = td.dataset.key;
    corrections[c.content_hash + " " + c.key] = c;
    dirty = true;
    showCorrection(td, c);
    count();
    showDetails(section, td);
  }

  function correctionForm(section, td) {
    var box = el("div", null, "correction");
    var form = el("form");
    var existing = corrections[section.dataset.hash + " " + td.dataset.key];
    if (existing) {
      box.appendChild(el("p", existing.confirmed ? "Confirmed as read." : "Corrected: the document prints " +
        (existing.value === null ? "nothing (blank)" : existing.value) + "." + (existing.note ? " " + existing.note : "")));
    }
    if (td.dataset.rules) {
      box.appendChild(el("p", "This value is in a broken rule. If the document itself prints these numbers, " +
        "confirm them: a correction states what the document prints, never what would add up.", "warn"));
    }
    box.appendChild(form);
    var value = el("input"); value.name = "value"; value.placeholder = "as printed"; value.setAttribute("aria-label", "what the document prints");
    var note = el("input"); note.name = "note"; note.placeholder = "note"; note.setAttribute("aria-label", "note");
    var fix = el("button", "Save correction"); fix.type = "submit";
    var ok = el("button", "Confirm as read"); ok.type = "button"; ok.className = "confirm";
    var undo = el("button", "Remove"); undo.type = "button";
    form.appendChild(el("span", "The document prints"));
    form.append(value, note, fix, ok);
    if (existing) form.appendChild(undo);
    var msg = el("span", "", "warn");
    form.appendChild(msg);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var raw = value.value.trim().replace(/[,，\s]/g, "");
      var v = raw === "" ? null : Number(raw);
      if (v !== null && !isFinite(v)) { msg.textContent = "not a number: " + value.value; return; }
      save(section, td, { value: v, note: note.value, confirmed: false });
    });
    ok.addEventListener("click", function () {
      var v = td.dataset.value ? Number(td.dataset.value) : null;
      save(section, td, { value: v, note: note.value, confirmed: true });
    });
    undo.addEventListener("click", function () {
      delete corrections[section.dataset.hash + " " + td.dataset.key];
      dirty = true;
      showCorrection(td, null);
      count();
      showDetails(section, td);
    });
    return box;
  }

  function exportCorrections() {
    var list = Object.keys(corrections).sort().map(function (k) { return corrections[k]; });
    var blob = new Blob([JSON.stringify({ giar_corrections: 1, corrections: list }, null, 2) + "\n"], { type: "application/json" });
    var a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = "giar-corrections.json";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    dirty = false;
  }

  // --- sorting and filtering ---------------------------------------------------------------------------
  function sortBy(th) {
    var table = th.closest("table");
    var body = table.tBodies[0];
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    if (th.parentNode.parentNode.rows.length > 1) col = columnIndex(table, th);
    var desc = th.getAttribute("aria-sort") === "ascending";
    all("th[aria-sort]", table.tHead).forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", desc ? "descending" : "ascending");
    var num = th.dataset.type === "num";
    var rows = Array.prototype.slice.call(body.rows);
    function key(tr) {
      var td = tr.cells[col];
      var v = td ? (td.dataset.sort !== undefined ? td.dataset.sort : td.textContent.trim()) : "";
      if (!num) return v;
      return v === "" ? -Infinity : parseFloat(String(v).replace("%", ""));
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var r = num ? x - y : String(x).localeCompare(String(y), "zh");
      return desc ? -r : r;
    });
    rows.forEach(function (tr) { body.appendChild(tr); });
  }

  function columnIndex(table, th) {
    // the body column under a header cell of a two-row header (colspans and rowspans counted)
    var grid = [];
    Array.prototype.forEach.call(table.tHead.rows, function (tr, r) {
      grid[r] = grid[r] || [];
      var c = 0;
      Array.prototype.forEach.call(tr.cells, function (cell) {
        while (grid[r][c]) c++;
        for (var i = 0; i < cell.rowSpan; i++) {
          grid[r + i] = grid[r + i] || [];
          for (var j = 0; j < cell.colSpan; j++) grid[r + i][c + j] = cell;
        }
        c += cell.colSpan;
      });
    });
    var last = grid[grid.length - 1];
    return last.indexOf(th);
  }

  function filter() {
    var shown = {};
    all(".status-filter").forEach(function (box) { shown[box.value] = box.checked; });
    var visible = 0, total = 0;
    all("#index-table tbody tr, #rates-table tbody tr").forEach(function (tr) {
      var on = shown[tr.dataset.status] !== false;
      tr.classList.toggle("hidden", !on);
      if (tr.closest("#index-table")) { total++; if (on) visible++; }
    });
    var out = document.getElementById("index-shown");
    if (out) out.textContent = visible === total ? "" : " (showing " + visible + ")";
  }

  // --- wiring -------------------------------------------------------------------------------------------
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    var td = t.closest("td.v");
    if (td) { ev.preventDefault(); select(td); return; }
    var mark = t.closest(".source mark");
    if (mark) {
      var section = mark.closest("section.report");
      var cell = document.getElementById(section.id + "-c-" + mark.dataset.keys.split(" ")[0]);
      if (cell) { select(cell); cell.scrollIntoView({ block: "nearest" }); }
      return;
    }
    var rule = t.closest("ol.rules li");
    if (rule) {
      var sec = rule.closest("section.report");
      all("td.v.hl", sec).forEach(function (c) { c.classList.remove("hl"); });
      rule.dataset.cells.split(" ").forEach(function (k) {
        var c = document.getElementById(sec.id + "-c-" + k);
        if (c) c.classList.add("hl");
      });
      return;
    }
    var th = t.closest("table.sortable thead th");
    if (th && !t.closest("a")) { sortBy(th); return; }
    var found = t.closest("ul.findings a[data-target]");
    if (found) {
      var target = document.getElementById(found.dataset.target);
      if (target && target.matches("td.v")) { ev.preventDefault(); target.scrollIntoView({ block: "center" }); select(target); }
    }
  });
  all(".status-filter").forEach(function (box) { box.addEventListener("change", filter); });
  all("input.changes-only").forEach(function (box) {
    box.addEventListener("change", function () { box.closest("details").classList.toggle("changes-only", box.checked); });
  });
  var exp = document.getElementById("corr-export");
  if (exp) exp.addEventListener("click", exportCorrections);
  all("section.report").forEach(function (section) {
    all("td.v", section).forEach(function (td) {
      var c = corrections[section.dataset.hash + " " + td.dataset.key];
      if (c) showCorrection(td, c);
    });
  });
  count();
  window.addEventListener("beforeunload", function (ev) {
    if (dirty) { ev.preventDefault(); ev.returnValue = ""; }
  });
})();
