/* siteaudit report: renders the problems (groups, each expandable to its occurrences) and the
   pages tables from the JSON data block.
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

  /* ---- groups (distinct problems) and their occurrences ---- */
  var GK = D.group_keys, GS = {};
  D.group_strings.forEach(function (name) { GS[name] = true; });
  var G = D.groups.map(function (row, i) {
    var g = { i: i, occ: [], pageSet: null };
    GK.forEach(function (name, k) { g[name] = GS[name] ? S[row[k]] : row[k]; });
    g.urls = (row[GK.length] || []).map(function (u) { return S[u]; });
    return g;
  });
  var O = D.occ;               // [group, url, line, column, where, context|0, actual|0, new, pdf page|0, rendered]
  var perUrl = {};             // url string index -> occurrences on that page
  var groupsOnUrl = {};        // url string index -> {group index: true}
  for (var k = 0; k < O.length; k++) {
    var o = O[k], g0 = G[o[0]];
    if (!g0) { continue; }
    g0.occ.push(k);
    perUrl[o[1]] = (perUrl[o[1]] || 0) + 1;
    var on = groupsOnUrl[o[1]] || (groupsOnUrl[o[1]] = {});
    on[o[0]] = true;
  }

  var state = { sevs: { error: true, warning: true, info: true }, category: "", page: "", status: "", q: "", sort: "severity", pageNo: 0 };
  var expanded = {};             // group index -> page of its occurrence list shown (open groups only)
  var body = document.getElementById("findings-body");
  var shown = document.getElementById("findings-shown");
  var pager = document.getElementById("findings-pager");
  var sortHeads = Array.prototype.slice.call(document.querySelectorAll("#findings-table th[data-sort]"));
  var filtered = G;
  var renders = 0;
  var urlIndex = {};
  S.forEach(function (text, i) { urlIndex[text] = i; });

  function hay(g) {
    if (g.hay === undefined) {
      g.hay = [g.rule, g.match, g.context, g.message, g.basis, g.suggestion, g.expected, g.actual,
        D.categories[g.category] || g.category, g.template ? L.template : "", g.urls.join("\n")].join("\n").toLowerCase();
    }
    return g.hay;
  }
  function byReach(a, b) { return b.pages - a.pages || b.occurrences - a.occurrences; }
  var SORTS = {
    severity: function (a, b) { return SEV_RANK[a.severity] - SEV_RANK[b.severity] || byReach(a, b) || a.i - b.i; },
    reach: function (a, b) { return byReach(a, b) || SEV_RANK[a.severity] - SEV_RANK[b.severity] || a.i - b.i; },
    category: function (a, b) { return cmp(a.category, b.category) || SEV_RANK[a.severity] - SEV_RANK[b.severity] || byReach(a, b) || a.i - b.i; },
    rule: function (a, b) { return cmp(a.rule, b.rule) || byReach(a, b) || a.i - b.i; }
  };
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  function applyFilters() {
    var q = state.q.trim().toLowerCase();
    var onPage = state.page ? (groupsOnUrl[urlIndex[state.page]] || {}) : null;
    filtered = G.filter(function (g) {
      return state.sevs[g.severity] !== false &&
        (!state.category || g.category === state.category) &&
        (!onPage || onPage[g.i] === true) &&
        (!state.status || g.status === state.status) &&
        (!q || hay(g).indexOf(q) >= 0);
    });
    filtered.sort(SORTS[state.sort] || SORTS.severity);
    sortHeads.forEach(function (th) {
      if (th.getAttribute("data-sort") === state.sort) { th.setAttribute("aria-sort", "ascending"); } else { th.removeAttribute("aria-sort"); }
    });
    state.pageNo = 0;
    renderFindings();
  }

  function highlighted(td, ctx, m) {
    var at = ctx && m ? ctx.indexOf(m) : -1;
    if (at >= 0) {
      td.appendChild(document.createTextNode(ctx.slice(0, at)));
      td.appendChild(el("mark", null, m));
      td.appendChild(document.createTextNode(ctx.slice(at + m.length)));
    } else if (m) {
      td.appendChild(el("mark", null, m));
      if (ctx) { td.appendChild(document.createTextNode(" " + ctx)); }
    } else if (ctx) {
      td.appendChild(document.createTextNode(ctx));
    }
    return td;
  }

  function problemCell(g) {
    var td = highlighted(el("td", "ctx"), g.context || "", g.match || "");
    if (g.expected || g.actual) {
      if (g.expected) { td.appendChild(el("div", "expected", L.expected + ": " + g.expected)); }
      if (g.actual) { td.appendChild(el("div", "actual", L.actual + ": " + g.actual)); }
    }
    var msg = el("div", "msg"); msg.appendChild(el("span", "message", g.message));
    [["basis", g.basis], ["suggestion", g.suggestion]].forEach(function (pair) {
      if (!pair[1]) { return; }
      var s = el("span", pair[0]); s.appendChild(el("strong", null, L[pair[0]] + ": ")); s.appendChild(document.createTextNode(pair[1]));
      msg.appendChild(s);
    });
    td.appendChild(msg);
    return td;
  }

  function whereCell(g) {
    var td = el("td", "where");
    if (g.template) {
      var b = el("span", "template-badge", L.template); b.title = L.template_hint; td.appendChild(b);
      td.appendChild(document.createTextNode(" "));
    }
    var places = (g.wheres && g.wheres.length ? g.wheres : (g.where ? [g.where] : []));
    if (places.length) { td.appendChild(document.createTextNode(places.map(function (w) { return D.wheres[w] || w; }).join(" · "))); }
    if (!g.template && g.urls.length) {
      var first = el("div", "first-pages");
      first.appendChild(document.createTextNode(L.first_pages + ": "));
      first.appendChild(link(g.urls[0]));
      td.appendChild(first);
    }
    return td;
  }

  function groupRow(g) {
    var tr = el("tr", "group-row sev-row-" + g.severity);
    tr.setAttribute("data-severity", g.severity);
    tr.setAttribute("data-category", g.category);
    tr.setAttribute("data-group", g.id);
    var sev = el("td", "sev"); sev.appendChild(sevBadge(g.severity)); tr.appendChild(sev);
    tr.appendChild(el("td", "cat", D.categories[g.category] || g.category));
    var rule = el("td", "rule"); rule.appendChild(el("code", null, g.rule)); tr.appendChild(rule);
    tr.appendChild(problemCell(g));
    tr.appendChild(whereCell(g));
    var reach = el("td", "reach num", fmt(L.reach, { pages: g.pages, n: g.occurrences }));
    if (g.occ.length && !printing) {
      var btn = el("button", "toggle", expanded[g.i] !== undefined ? L.hide_pages : fmt(L.show_pages, { n: g.occ.length }));
      btn.type = "button";
      btn.setAttribute("aria-expanded", expanded[g.i] !== undefined ? "true" : "false");
      btn.addEventListener("click", function () {
        if (expanded[g.i] !== undefined) { delete expanded[g.i]; } else { expanded[g.i] = 0; }
        renderFindings();
      });
      reach.appendChild(el("br"));
      reach.appendChild(btn);
    }
    tr.appendChild(reach);
    tr.appendChild(el("td", "change change-" + (g.status || "none"), g.status ? (L[g.status] || g.status) : ""));
    return tr;
  }

  function occurrenceRow(g, k) {
    var o = O[k], tr = el("tr", "occ");
    var url = S[o[1]];
    var u = el("td", "url"); u.appendChild(link(url));
    var where = [];
    if (o[4]) { where.push(D.wheres[D.where_codes[o[4]]] || D.where_codes[o[4]]); }
    if (o[8]) { where.push(L.doc_page.replace("{n}", o[8])); }
    if (o[2]) { where.push(L.line + " " + o[2] + (o[3] ? ":" + o[3] : "")); }
    if (o[9]) { where.push(L.rendered_dom); }
    if (where.length) { u.appendChild(el("div", "where", where.join(" · "))); }
    tr.appendChild(u);
    var ctx = highlighted(el("td", "ctx"), o[5] === 0 ? (g.context || "") : o[5], g.match || "");
    if (o[6] !== 0 && o[6]) { ctx.appendChild(el("div", "actual", L.actual + ": " + o[6])); }
    tr.appendChild(ctx);
    tr.appendChild(el("td", "change", o[7] ? L["new"] : L.persisting));
    return tr;
  }

  function occurrencesRow(g) {
    var tr = el("tr", "occ-row"), td = el("td");
    td.colSpan = 7;
    var table = el("table", "grid occ-table"), tb = el("tbody");
    var pageNo = expanded[g.i] || 0;
    var list = printing ? g.occ.slice(0, PRINT_OCC) : g.occ.slice(pageNo * PAGE_SIZE, pageNo * PAGE_SIZE + PAGE_SIZE);
    list.forEach(function (k) { tb.appendChild(occurrenceRow(g, k)); });
    table.appendChild(tb);
    td.appendChild(table);
    var box = el("div", "pager occ-pager");
    renderPager(box, pageNo, g.occ.length, function (n) { expanded[g.i] = n; renderFindings(); });
    td.appendChild(box);
    tr.appendChild(td);
    return tr;
  }
  var PRINT_OCC = 5;

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
    var occN = 0;
    rows.forEach(function (g) {
      frag.appendChild(groupRow(g));
      if (printing || expanded[g.i] !== undefined) { frag.appendChild(occurrencesRow(g)); }
    });
    filtered.forEach(function (g) { occN += g.occurrences; });
    if (!rows.length) {
      var tr = el("tr", "empty"), td = el("td", null, L.no_match);
      td.colSpan = 7; tr.appendChild(td); frag.appendChild(tr);
    }
    body.textContent = "";
    body.appendChild(frag);
    shown.textContent = fmt(L.shown_groups, { shown: filtered.length, total: G.length, n: occN });
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
  // the page filter's choices: pages with findings, most findings first
  var choices = Object.keys(perUrl).map(function (u) { return [S[u], perUrl[u]]; });
  choices.sort(function (a, b) { return b[1] - a[1] || cmp(a[0], b[0]); });
  // A select of 10,000 pages costs a slow layout on every change: it lists the pages with the most
  // findings; any other page joins it when its findings are opened from the pages table.
  var MAX_PAGE_CHOICES = 500;
  var pageSel = fillSelect("f-page", choices.slice(0, MAX_PAGE_CHOICES).map(function (p) { return [p[0], p[0] + " (" + p[1] + ")"]; }));
  function choosePage(url) {
    var known = Array.prototype.some.call(pageSel.options, function (o) { return o.value === url; });
    if (!known) {
      var o = el("option", null, url + " (" + (perUrl[urlIndex[url]] || 0) + ")"); o.value = url; pageSel.appendChild(o);
    }
    pageSel.value = url; state.page = url; applyFilters();
  }
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
    expanded = {};
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
    return { url: S[r[0]], status: r[1], depth: r[2], ms: r[3], title: S[r[4]], encoding: S[r[5]], n: perUrl[r[0]] || 0, rendered: r[6] };
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
          choosePage(p.url);
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
  // `report.html#print` (what `--format pdf` opens): laid out for print from the start.
  if (window.location.hash === "#print") { setPrinting(true); }
  document.documentElement.setAttribute("data-ready", "1");
})();
