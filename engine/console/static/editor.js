/* "Edit a playbook": the textarea stays the editor (keyboard, screen readers, paste, undo);
   behind it a copy of its text is drawn with YAML colours, line numbers, and each line lint
   complains about (or a failed test case starts at) marked. A problem's "line N" link puts the
   caret on that line of its pane (the playbook, or one of its test files). Without this
   file the page is a plain textarea and a list of problems by line. No dependencies. */
(function () {
  "use strict";
  /* a quote opens a string only where a value starts (not the apostrophe in "director's") */
  var TOKEN = /((?<=^|[\s[{,:])(?:"(?:[^"\\]|\\.)*"?|'[^']*'?))|(#.*$)|(\b(?:true|false|null)\b)|(-?\b\d[\d_.]*%?)/g;

  function esc(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function rest(text) {
    var out = "", last = 0, m, cls;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m[2] !== undefined && m.index > 0 && !/\s/.test(text[m.index - 1])) {
        continue; /* a # inside a word is not a comment */
      }
      cls = m[1] !== undefined ? "s" : m[2] !== undefined ? "c" : m[3] !== undefined ? "b" : "n";
      out += esc(text.slice(last, m.index)) + '<span class="' + cls + '">' + esc(m[0]) + "</span>";
      last = m.index + m[0].length;
      if (m[0].length === 0) { TOKEN.lastIndex += 1; }
    }
    return out + esc(text.slice(last));
  }

  function line(text) {
    var key = /^(\s*(?:-\s+)?)([\w$.-]+|"[^"]*"|'[^']*')(:)(\s|$)/.exec(text);
    if (!key) { return rest(text); }
    return esc(key[1]) + '<span class="k">' + esc(key[2]) + "</span>" + key[3] +
      rest(text.slice(key[0].length - key[4].length));
  }

  /* the lines of one pane that a lint problem or a failed test case names */
  function marks(id) {
    var found = {};
    document.querySelectorAll('li[data-for="' + id + '"][data-line]').forEach(function (li) {
      var n = li.getAttribute("data-line");
      if (found[n] !== "bad") { found[n] = li.classList.contains("warning") ? "warn" : "bad"; }
    });
    return found;
  }

  function draw(box) {
    var area = box.querySelector("textarea"), pre = box.querySelector("pre");
    var bad = marks(area.id), html = "";
    area.value.split("\n").forEach(function (text, i) {
      var n = String(i + 1);
      html += '<span class="line' + (bad[n] ? " " + bad[n] : "") + '" data-line="' + n + '">' +
        (line(text) || " ") + "</span>";
    });
    pre.innerHTML = html;
    pre.scrollTop = area.scrollTop;
    pre.scrollLeft = area.scrollLeft;
  }

  function goTo(area, n, col) {
    var lines = area.value.split("\n"), at = 0;
    for (var i = 0; i < n - 1 && i < lines.length; i++) { at += lines[i].length + 1; }
    at += Math.max(0, Math.min((col || 1) - 1, (lines[n - 1] || "").length));
    area.focus();
    area.setSelectionRange(at, at);
    var lh = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (n - 4) * lh);
  }

  function start() {
    document.querySelectorAll(".code-editor").forEach(function (box) {
      if (box.classList.contains("on")) { return; }
      var area = box.querySelector("textarea");
      var pre = document.createElement("pre");
      pre.setAttribute("aria-hidden", "true");
      pre.className = "code-hl";
      box.insertBefore(pre, area);
      box.classList.add("on");
      area.addEventListener("input", function () { draw(box); });
      area.addEventListener("scroll", function () {
        pre.scrollTop = area.scrollTop;
        pre.scrollLeft = area.scrollLeft;
      });
      draw(box);
    });
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-for][data-line]");
    var area = link && document.getElementById(link.getAttribute("data-for"));
    if (!link || !area) { return; }
    ev.preventDefault();
    goTo(area, parseInt(link.getAttribute("data-line"), 10),
      parseInt(link.getAttribute("data-column") || "1", 10));
  });
  /* a draft larger than the service accepts is never sent: it would come back as a "too
     large" page in place of the editor, and what was typed would be gone. Said instead, in
     the page's language (#too-big), with the text left where it is. */
  function tooBig(form) {
    var most = Number(form.getAttribute("data-max-body") || 0);
    var note = document.getElementById("too-big");
    if (!most) { return false; }
    var size = new Blob([new URLSearchParams(new FormData(form)).toString()]).size;
    if (note) { note.hidden = size <= most; }
    return size > most;
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.matches && form.matches("form[data-max-body]") && tooBig(form)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      document.getElementById("too-big").scrollIntoView({block: "nearest"});
    }
  }, true);
  document.addEventListener("htmx:confirm", function (ev) {
    var form = ev.target.closest && ev.target.closest("form[data-max-body]");
    if (form && tooBig(form)) { ev.preventDefault(); }
  });
  document.addEventListener("htmx:afterSettle", function () {
    start();
    document.querySelectorAll(".code-editor.on").forEach(draw);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
