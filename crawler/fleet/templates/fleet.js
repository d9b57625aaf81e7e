(function () {
  "use strict";
  var table = document.getElementById("fleet");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var form = document.getElementById("filters");
  var q = document.getElementById("q");
  var verdict = document.getElementById("verdict");
  var onlyNew = document.getElementById("only-new");
  var shown = document.getElementById("shown");
  form.hidden = false;

  function apply() {
    var text = q.value.trim().toLowerCase();
    var v = verdict.value;
    var n = 0;
    rows.forEach(function (row) {
      var ok = (!text || row.getAttribute("data-site").toLowerCase().indexOf(text) >= 0) &&
               (!v || row.getAttribute("data-verdict") === v) &&
               (!onlyNew.checked || Number(row.getAttribute("data-sort-new")) > 0);
      row.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }

  function sortBy(th) {
    var key = th.getAttribute("data-key");
    var numeric = th.getAttribute("data-type") === "num";
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var sign = dir === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      var x = a.getAttribute("data-sort-" + key), y = b.getAttribute("data-sort-" + key);
      var c = numeric ? Number(x) - Number(y) : x.localeCompare(y, "zh-CN");
      return c * sign || a.getAttribute("data-site").localeCompare(b.getAttribute("data-site"), "zh-CN");
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    if (th.hasAttribute("data-key")) {
      th.addEventListener("click", function () { sortBy(th); });
    }
  });
  q.addEventListener("input", apply);
  verdict.addEventListener("change", apply);
  onlyNew.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
})();
