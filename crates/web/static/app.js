// Orewatch's one first-party script. Everything works without it; it only adds comfort:
// confirmation before consequential submits, printing a document, live filtering of long tables, map pan and zoom,
// submitting the map's layer form when a box is ticked, and suggestions while typing a mine's name
// (without the script the name typed is looked up when the form is sent).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // A second click while the first submit is on its way would post the form twice.
    if (form.dataset.submitted === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) { return; }
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  });
  document.querySelectorAll("form[data-autosubmit] input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", function () { box.form.submit(); });
  });
  // Pan and zoom a server-drawn SVG map by changing its viewBox (units are metres).
  document.querySelectorAll("[data-zoomable]").forEach(function (wrap) {
    var svg = document.getElementById(wrap.getAttribute("data-zoomable"));
    if (!svg) { return; }
    var full = [0, 0, parseFloat(svg.getAttribute("data-width")), parseFloat(svg.getAttribute("data-height"))];
    // The first view may be a search result the server zoomed to.
    var first = (svg.getAttribute("data-view") || "").split(" ").map(parseFloat);
    var box = first.length === 4 && first.every(isFinite) ? first : full.slice();
    function apply() { svg.setAttribute("viewBox", box.join(" ")); }
    function zoom(factor, cx, cy) {
      var w = Math.min(full[2] * 1.5, Math.max(full[2] / 200, box[2] * factor));
      var h = w * full[3] / full[2];
      box = [cx - (cx - box[0]) * w / box[2], cy - (cy - box[1]) * h / box[3], w, h];
      apply();
    }
    function point(event) {
      var r = svg.getBoundingClientRect();
      var scale = Math.max(box[2] / r.width, box[3] / r.height);
      var ox = (r.width - box[2] / scale) / 2, oy = (r.height - box[3] / scale) / 2;
      return [box[0] + (event.clientX - r.left - ox) * scale, box[1] + (event.clientY - r.top - oy) * scale, scale];
    }
    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var p = point(event);
      zoom(event.deltaY < 0 ? 0.8 : 1.25, p[0], p[1]);
    }, { passive: false });
    var drag = null;
    svg.addEventListener("pointerdown", function (event) {
      drag = { x: event.clientX, y: event.clientY, box: box.slice(), scale: point(event)[2], moved: false };
    });
    svg.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; }
      box = [drag.box[0] - dx * drag.scale, drag.box[1] - dy * drag.scale, drag.box[2], drag.box[3]];
      apply();
    });
    svg.addEventListener("pointerup", function () { setTimeout(function () { drag = null; }, 0); });
    // A drag that ends on a licence must not open it.
    svg.addEventListener("click", function (event) { if (drag && drag.moved) { event.preventDefault(); } }, true);
    wrap.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        if (how === "reset") { box = full.slice(); apply(); return; }
        zoom(how === "in" ? 0.6 : 1.6, box[0] + box[2] / 2, box[1] + box[3] / 2);
      });
    });
  });
  // Suggestions while typing a mine's name: the server's /mines/suggest answers with up to 12 mines.
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var url = input.getAttribute("data-suggest");
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.hidden = true;
    list.setAttribute("role", "listbox");
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    var timer = null, items = [], active = -1, asked = "";
    function close() { list.hidden = true; active = -1; }
    function choose(i) {
      if (i < 0 || i >= items.length) { return; }
      input.value = items[i].name;
      close();
    }
    function mark() {
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === active ? "true" : "false");
      });
    }
    function show(found) {
      items = found;
      list.textContent = "";
      found.forEach(function (m, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.textContent = m.name;
        var where = document.createElement("span");
        where.className = "muted";
        where.textContent = m.township;
        li.appendChild(where);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      active = -1;
      list.hidden = found.length === 0;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text === "") { close(); return; }
      timer = setTimeout(function () {
        asked = text;
        fetch(url + "?q=" + encodeURIComponent(text), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (found) { if (asked === input.value.trim()) { show(found); } })
          .catch(function () { close(); });
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { active = Math.min(items.length - 1, active + 1); mark(); event.preventDefault(); }
      else if (event.key === "ArrowUp") { active = Math.max(0, active - 1); mark(); event.preventDefault(); }
      else if (event.key === "Enter" && active >= 0) { choose(active); event.preventDefault(); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  });
})();
