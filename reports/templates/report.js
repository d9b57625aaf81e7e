/* siteaudit report: renders the findings and pages tables from the JSON data block.
   Page-derived text is only ever inserted with textContent / createTextNode, and only
   http(s) URLs become links. */
(function () {
  "use strict";
  var PAGE_SIZE = 50;
  var SEV_RANK = { error: 0, warning: 1, info: 2 };
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var S = D.strings, L = D.labels;
  var printing = false;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return String(values[k]); });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function isHttp(url) { return /^https?:\/\//i.test(url); }
  function link(url) {
    var shown = (D.shown_urls && D.shown_urls[url]) || url;
    if (!isHttp(url)) { return el("span", "url", shown); }
    var a = el("a", "url", shown);
    a.setAttribute("href", url);
    a.setAttribute("rel", "noopener noreferrer nofollow");
    a.setAttribute("target", "_blank");
    return a;
  }
  function sevBadge(sev) { return el("span", "sev-badge sev-" + (SEV_RANK.hasOwnProperty(sev) ? sev : "info"), D.severities[sev] || sev); }

  var F = D.findings.map(function (row, i) {
    var f = { i: i };
    D.fields.forEach(function (name, k) {
      f[name] = (name === "line" || name === "column" || name === "doc_page" || name === "rendered") ? row[k] : S[row[k]];
    });
    return f;
  });

  /* ---- findings table ---- */
  var state = { sevs: { error: true, warning: true, info: true }, category: "", page: "", status: "", q: "", sort: "severity", pageNo: 0 };
  var body = document.getElementById("findings-body");
  var shown = document.getElementById("findings-shown");
  var pager = document.getElementById("findings-pager");
  var sortHeads = Array.prototype.slice.call(document.querySelectorAll("#findings-table th[data-sort]"));
  var filtered = F;
  var renders = 0;

  function hay(f) {
    if (f.hay === undefined) {
      f.hay = [f.rule, f.match, f.context, f.message, f.url, f.basis, f.suggestion, f.expected, f.actual,
        D.categories[f.category] || f.category].join("\n").toLowerCase();
    }
    return f.hay;
  }
  var SORTS = {
    severity: function (a, b) { return SEV_RANK[a.severity] - SEV_RANK[b.severity] || cmp(a.url, b.url) || a.i - b.i; },
    category: function (a, b) { return cmp(a.category, b.category) || SEV_RANK[a.severity] - SEV_RANK[b.severity] || a.i - b.i; },
    page: function (a, b) { return cmp(a.url, b.url) || (a.line || 0) - (b.line || 0) || a.i - b.i; },
    rule: function (a, b) { return cmp(a.rule, b.rule) || cmp(a.url, b.url) || a.i - b.i; }
  };
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  function applyFilters() {
    var q = state.q.trim().toLowerCase();
    filtered = F.filter(function (f) {
      return state.sevs[f.severity] !== false &&
        (!state.category || f.category === state.category) &&
        (!state.page || f.url === state.page) &&
        (!state.status || f.status === state.status) &&
        (!q || hay(f).indexOf(q) >= 0);
    });
    filtered.sort(SORTS[state.sort] || SORTS.severity);
    sortHeads.forEach(function (th) {
      if (th.getAttribute("data-sort") === state.sort) { th.setAttribute("aria-sort", "ascending"); } else { th.removeAttribute("aria-sort"); }
    });
    state.pageNo = 0;
    renderFindings();
  }

  function contextCell(f) {
    var td = el("td", "ctx");
    var ctx = f.context || "", m = f.match || "";
    var at = ctx && m ? ctx.indexOf(m) : -1;
    if (at >= 0) {
      td.appendChild(document.createTextNode(ctx.slice(0, at)));
      td.appendChild(el("mark", null, m));
      td.appendChild(document.createTextNode(ctx.slice(at + m.length)));
    } else if (m) {
      td.appendChild(el("mark", null, m));
      if (ctx) { td.appendChild(document.createTextNode(" " + ctx)); }
    } else if (ctx) {
      td.textContent = ctx;
    }
    if (f.expected || f.actual) {
      if (f.expected) { td.appendChild(el("div", "expected", L.expected + ": " + f.expected)); }
      if (f.actual) { td.appendChild(el("div", "actual", L.actual + ": " + f.actual)); }
    }
    return td;
  }

  function findingRow(f) {
    var tr = el("tr", "sev-row-" + f.severity);
    tr.setAttribute("data-severity", f.severity);
    tr.setAttribute("data-category", f.category);
    var sev = el("td", "sev"); sev.appendChild(sevBadge(f.severity)); tr.appendChild(sev);
    tr.appendChild(el("td", "cat", D.categories[f.category] || f.category));
    var rule = el("td", "rule"); rule.appendChild(el("code", null, f.rule)); tr.appendChild(rule);
    var page = el("td", "url"); page.appendChild(link(f.url));
    var where = [];
    if (f.where) { where.push(D.wheres[f.where] || f.where); }
    if (f.doc_page) { where.push(L.doc_page.replace("{n}", f.doc_page)); }
    if (f.line) { where.push(L.line + " " + f.line + (f.column ? ":" + f.column : "")); }
    if (f.rendered) { where.push(L.rendered_dom); }
    if (where.length) { page.appendChild(el("div", "where", where.join(" · "))); }
    tr.appendChild(page);
    tr.appendChild(contextCell(f));
    var msg = el("td", "msg"); msg.appendChild(el("span", "message", f.message));
    [["basis", f.basis], ["suggestion", f.suggestion]].forEach(function (pair) {
      if (!pair[1]) { return; }
      var s = el("span", pair[0]); s.appendChild(el("strong", null, L[pair[0]] + ": ")); s.appendChild(document.createTextNode(pair[1]));
      msg.appendChild(s);
    });
    tr.appendChild(msg);
    tr.appendChild(el("td", "change change-" + (f.status || "none"), f.status ? (L[f.status] || f.status) : ""));
    return tr;
  }

  function renderPager(box, pageNo, total, go) {
    box.textContent = "";
    var pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (pages <= 1 || printing) { return; }
    var prev = el("button", "prev", L.prev); prev.type = "button"; prev.disabled = pageNo <= 0;
    prev.addEventListener("click", function () { go(pageNo - 1); });
    var next = el("button", "next", L.next); next.type = "button"; next.disabled = pageNo >= pages - 1;
    next.addEventListener("click", function () { go(pageNo + 1); });
    box.appendChild(prev);
    box.appendChild(el("span", "page-no", fmt(L.page_n, { n: pageNo + 1, m: pages })));
    box.appendChild(next);
  }

  function renderFindings() {
    var start = printing ? 0 : state.pageNo * PAGE_SIZE;
    var rows = printing ? filtered : filtered.slice(start, start + PAGE_SIZE);
    var frag = document.createDocumentFragment();
    rows.forEach(function (f) { frag.appendChild(findingRow(f)); });
    if (!rows.length) {
      var tr = el("tr", "empty"), td = el("td", null, L.no_match);
      td.colSpan = 7; tr.appendChild(td); frag.appendChild(tr);
    }
    body.textContent = "";
    body.appendChild(frag);
    shown.textContent = fmt(L.shown, { shown: filtered.length, total: F.length });
    renderPager(pager, state.pageNo, filtered.length, function (n) { state.pageNo = n; renderFindings(); });
    renders += 1;
    body.setAttribute("data-renders", String(renders));
  }

  function fillSelect(id, pairs) {
    var sel = document.getElementById(id);
    pairs.forEach(function (p) { var o = el("option", null, p[1]); o.value = p[0]; sel.appendChild(o); });
    return sel;
  }
  var catSel = fillSelect("f-category", Object.keys(D.categories).map(function (c) { return [c, D.categories[c]]; }));
  var pageSel = fillSelect("f-page", D.page_choices.map(function (p) { return [p[0], p[0] + " (" + p[1] + ")"]; }));
  var statusSel = document.getElementById("f-status");
  var sortSel = document.getElementById("f-sort");
  var search = document.getElementById("f-search");
  var sevBoxes = Array.prototype.slice.call(document.querySelectorAll("#filters input[name=sev]"));

  catSel.addEventListener("change", function () { state.category = catSel.value; applyFilters(); });
  pageSel.addEventListener("change", function () { state.page = pageSel.value; applyFilters(); });
  statusSel.addEventListener("change", function () { state.status = statusSel.value; applyFilters(); });
  sortSel.addEventListener("change", function () { state.sort = sortSel.value; applyFilters(); });
  sevBoxes.forEach(function (box) {
    box.addEventListener("change", function () { state.sevs[box.value] = box.checked; applyFilters(); });
  });
  var timer = null;
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.q = search.value; applyFilters(); }, 120);
  });
  sortHeads.forEach(function (th) {
    var sortBy = function () { sortSel.value = th.getAttribute("data-sort"); state.sort = sortSel.value; applyFilters(); };
    th.setAttribute("tabindex", "0");
    th.addEventListener("click", sortBy);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(); } });
  });
  document.getElementById("f-reset").addEventListener("click", function () {
    document.getElementById("filters").reset();
    state = { sevs: { error: true, warning: true, info: true }, category: "", page: "", status: "", q: "", sort: "severity", pageNo: 0 };
    applyFilters();
  });
  // The count cards are links to the findings, filtered to what they count.
  Array.prototype.forEach.call(document.querySelectorAll("[data-only-sev], [data-only-status]"), function (card) {
    card.addEventListener("click", function () {
      document.getElementById("f-reset").click();
      var sev = card.getAttribute("data-only-sev"), status = card.getAttribute("data-only-status");
      if (sev) {
        sevBoxes.forEach(function (box) { box.checked = box.value === sev; state.sevs[box.value] = box.checked; });
      }
      if (status) { statusSel.value = status; state.status = status; }
      applyFilters();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  });

  /* ---- pages table ---- */
  var P = D.pages.map(function (r) {
    return { url: S[r[0]], status: r[1], depth: r[2], ms: r[3], title: S[r[4]], encoding: S[r[5]], n: r[6], rendered: r[7] };
  });
  var pState = { q: "", pageNo: 0 }, pFiltered = P;
  var pBody = document.getElementById("pages-body");
  function renderPages() {
    var start = printing ? 0 : pState.pageNo * PAGE_SIZE;
    var rows = printing ? pFiltered : pFiltered.slice(start, start + PAGE_SIZE);
    var frag = document.createDocumentFragment();
    rows.forEach(function (p) {
      var tr = el("tr");
      var u = el("td", "url"); u.appendChild(link(p.url)); tr.appendChild(u);
      [p.status, p.depth, p.ms].forEach(function (v) { tr.appendChild(el("td", "num", v === null || v === undefined ? "" : v)); });
      var title = el("td", null, p.title);
      if (p.rendered) { title.appendChild(el("span", "rendered", " · " + L.rendered_page)); }
      tr.appendChild(title);
      tr.appendChild(el("td", null, p.encoding));
      var n = el("td", "num");
      if (p.n) {
        var b = el("button", "to-findings", p.n); b.type = "button";
        b.addEventListener("click", function () {
          pageSel.value = p.url; state.page = p.url; applyFilters();
          document.getElementById("findings").scrollIntoView();
        });
        n.appendChild(b);
      } else { n.textContent = "0"; }
      tr.appendChild(n);
      frag.appendChild(tr);
    });
    pBody.textContent = "";
    pBody.appendChild(frag);
    document.getElementById("pages-shown").textContent = fmt(L.shown, { shown: pFiltered.length, total: P.length });
    renderPager(document.getElementById("pages-pager"), pState.pageNo, pFiltered.length,
      function (n) { pState.pageNo = n; renderPages(); });
  }
  var pSearch = document.getElementById("p-search");
  var pStatus = document.getElementById("p-status");
  function statusClass(status) {
    return typeof status === "number" && status >= 200 && status < 600 ? Math.floor(status / 100) + "xx" : "other";
  }
  function filterPages() {
    var q = pSearch.value.trim().toLowerCase(), cls = pStatus.value;
    pFiltered = P.filter(function (p) {
      return (!cls || statusClass(p.status) === cls) &&
        (!q || (p.url + "\n" + p.title).toLowerCase().indexOf(q) >= 0);
    });
    pState.pageNo = 0;
    renderPages();
  }
  pSearch.addEventListener("input", filterPages);
  pStatus.addEventListener("change", filterPages);

  /* ---- print: every row and every section expanded ---- */
  function setPrinting(on) {
    if (printing === on) { return; }
    printing = on;
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = on || d.hasAttribute("data-open"); });
    renderFindings();
    renderPages();
  }
  window.addEventListener("beforeprint", function () { setPrinting(true); });
  window.addEventListener("afterprint", function () { setPrinting(false); });
  if (window.matchMedia) {
    var mq = window.matchMedia("print");
    var onChange = function () { setPrinting(mq.matches); };
    if (mq.addEventListener) { mq.addEventListener("change", onChange); } else if (mq.addListener) { mq.addListener(onChange); }
  }

  applyFilters();
  renderPages();
  document.documentElement.setAttribute("data-ready", "1");
})();
