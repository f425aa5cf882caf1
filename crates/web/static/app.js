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
  // A large survey file goes up in chunks that survive a broken connection: each chunk is appended at
  // the offset the server holds; after a failure the script asks how much arrived and goes on from
  // there (also after the page is reloaded: the upload's id is remembered for the same file). The
  // finished upload is then named in the form instead of the file. Small files, and everything
  // without the script, go with the plain form.
  document.querySelectorAll("form[data-resumable]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var hidden = form.querySelector("input[name=upload]");
    var box = document.getElementById(form.getAttribute("data-progress"));
    if (!input || !hidden || !box || !window.fetch || !window.Blob || !Blob.prototype.slice) { return; }
    var bar = box.querySelector("progress");
    var text = box.querySelector("span");
    var csrf = form.querySelector("input[name=csrf]").value;
    var msg = function (key, vars) {
      var s = form.getAttribute("data-msg-" + key) || "";
      Object.keys(vars || {}).forEach(function (k) { s = s.split("{" + k + "}").join(vars[k]); });
      return s;
    };
    var mb = function (n) { return (n / 1048576).toFixed(1); };
    var show = function (done, total) {
      bar.value = total > 0 ? Math.floor(done * 100 / total) : 0;
      text.textContent = msg("progress", { done: mb(done), total: mb(total) });
    };
    var refused = function (status) { var e = new Error(String(status)); e.refused = true; return e; };
    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (!file || file.size < Number(form.getAttribute("data-threshold")) || event.defaultPrevented) { return; }
      // Already uploading (a second click): the running upload submits the form when it is done.
      if (form.dataset.submitted === "1") { event.preventDefault(); return; }
      event.preventDefault();
      var key = "orewatch-upload:" + form.getAttribute("data-resumable") + ":" + file.name + ":" + file.size + ":" + file.lastModified;
      box.hidden = false;
      var start = function () {
        var body = new URLSearchParams();
        body.set("csrf", csrf);
        body.set("name", file.name);
        body.set("size", String(file.size));
        return fetch(form.getAttribute("data-resumable"), { method: "POST", body: body, credentials: "same-origin" })
          .then(function (r) { if (!r.ok) { throw refused(r.status); } return r.json(); })
          .then(function (s) { localStorage.setItem(key, s.id); return s; });
      };
      var begin = function () {
        var known = localStorage.getItem(key);
        if (!known) { return start(); }
        return fetch("/uploads/" + known, { credentials: "same-origin" }).then(function (r) {
          if (r.ok) { return r.json(); }
          localStorage.removeItem(key);
          return start();
        });
      };
      var send = function (s, delay) {
        show(s.received, s.size);
        if (s.received >= s.size) { return Promise.resolve(s); }
        var end = Math.min(s.size, s.received + s.chunk_bytes);
        return fetch("/uploads/" + s.id + "?offset=" + s.received, {
          method: "PUT", body: file.slice(s.received, end), credentials: "same-origin",
          headers: { "X-CSRF-Token": csrf, "Content-Type": "application/octet-stream" }
        }).then(function (r) {
          if (r.ok || r.status === 409) {
            return r.json().then(function (j) { s.received = j.received; return send(s, 1000); });
          }
          if (r.status === 403 || r.status === 404 || r.status === 413) { throw refused(r.status); }
          throw new Error("retry");
        }, function () { throw new Error("retry"); }).catch(function (e) {
          if (e.refused) { throw e; }
          // The connection broke: wait, ask how much arrived, and go on from there.
          text.textContent = msg("retry", { done: mb(s.received), seconds: String(delay / 1000) });
          return new Promise(function (resolve) { setTimeout(resolve, delay); })
            .then(function () { return fetch("/uploads/" + s.id, { credentials: "same-origin" }); })
            .then(function (r) { if (!r.ok) { throw new Error("retry"); } return r.json(); })
            .then(function (j) { s.received = j.received; return send(s, 1000); },
                  function () { return send(s, Math.min(delay * 2, 30000)); });
        });
      };
      begin().then(function (s) { return send(s, 1000); }).then(function (s) {
        text.textContent = msg("checking");
        localStorage.removeItem(key);
        hidden.value = s.id;
        input.disabled = true;
        form.submit();
      }).catch(function (e) {
        text.textContent = msg("failed", { reason: e.message });
        form.dataset.submitted = "0";
      });
    });
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
