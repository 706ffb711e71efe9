/* koie report: pages of documents instantiated from <template>s, explanations built from JSON on click.
   Document text is only ever inserted as text nodes (textContent), never as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("koie");
  var INDEX = JSON.parse(document.getElementById("koie-index").textContent);
  var PAGE = INDEX.pageSize;
  var ruleIdx = {};
  INDEX.rules.forEach(function (r, i) { ruleIdx[r.id] = i; });
  var hiddenRules = new Set();
  var hiddenLabels = new Set();
  var cache = {};
  var page = -1;
  var selected = null;

  function records(d) {
    if (!(d in cache)) { cache[d] = JSON.parse(document.getElementById("j" + d).textContent); }
    return cache[d];
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "onclick") { node.addEventListener("click", attrs[k]); } else { node.setAttribute(k, attrs[k]); }
    });
    [].concat(children === undefined ? [] : children).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    });
    return node;
  }

  function ruleOf(rec) { return INDEX.rules[ruleIdx[rec.rule]]; }
  function labelIndex(rec) { return ruleOf(rec).label; }
  function visible(rec) { return !hiddenRules.has(ruleIdx[rec.rule]) && !hiddenLabels.has(labelIndex(rec)); }
  function colour(rec) { return INDEX.labels[labelIndex(rec)].colour; }
  function tint(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16 & 255) + "," + (n >> 8 & 255) + "," + (n & 255) + "," + alpha + ")";
  }
  function mentions(value) { return value === undefined ? [] : [].concat(value); }

  /* ---- documents ---- */

  function paint(article) {
    var recs = records(+article.dataset.d);
    article.querySelectorAll(".s").forEach(function (piece) {
      var inner = piece.dataset.r.split(" ").map(Number).filter(function (id) { return visible(recs[id]); });
      piece.style.backgroundColor = inner.length ? tint(colour(recs[inner[0]]), 0.16) : "";
    });
    drawArcs(article);
  }

  function pieceAt(text, offset) { return text.querySelector('.s[data-s="' + offset + '"]'); }

  function drawArcs(article) {
    // the arcs sit next to the text, not in it, so that the text's textContent stays the document
    var wrap = article.querySelector(".tw");
    var text = article.querySelector(".text");
    var old = wrap.querySelector("svg.arcs");
    if (old) { old.remove(); }
    var d = +article.dataset.d;
    var base = text.getBoundingClientRect();
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "arcs");
    svg.setAttribute("width", text.clientWidth);
    svg.setAttribute("height", text.clientHeight);
    var defs = document.createElementNS(ns, "defs");
    svg.appendChild(defs);
    var markers = {};
    records(d).forEach(function (rec) {
      var relation = (INDEX.relations || {})[rec.label] || {pairs: [], all_pairs: []};
      if (!visible(rec)) { return; }
      // each pair the pack's relation gives: pairs [A, B] with an arrow A → B, every two of an all_pairs role without
      var links = [];
      relation.pairs.forEach(function (pair) {
        mentions(rec.args[pair[0]]).forEach(function (s) {
          mentions(rec.args[pair[1]]).forEach(function (o) { links.push([s, o, true]); });
        });
      });
      relation.all_pairs.forEach(function (role) {
        var group = mentions(rec.args[role]);
        group.forEach(function (s, i) { group.slice(i + 1).forEach(function (o) { links.push([s, o, false]); }); });
      });
      // no pair of the relation: the record's own two roles (rec.arrow, koie.report.html.arrow_roles)
      if (!links.length && rec.arrow) {
        mentions(rec.args[rec.arrow[0]]).forEach(function (s) {
          mentions(rec.args[rec.arrow[1]]).forEach(function (o) { links.push([s, o, true]); });
        });
      }
      if (!links.length) { return; }
      var c = colour(rec);
      if (!markers[c]) {
        markers[c] = "ah" + d + "-" + Object.keys(markers).length;
        var marker = document.createElementNS(ns, "marker");
        marker.setAttribute("id", markers[c]);
        marker.setAttribute("viewBox", "0 0 10 10");
        marker.setAttribute("refX", "9"); marker.setAttribute("refY", "5");
        marker.setAttribute("markerWidth", "7"); marker.setAttribute("markerHeight", "7");
        marker.setAttribute("orient", "auto-start-reverse");
        var tip = document.createElementNS(ns, "path");
        tip.setAttribute("d", "M0,0 L10,5 L0,10 z");
        tip.setAttribute("fill", c);
        marker.appendChild(tip);
        defs.appendChild(marker);
      }
      links.forEach(function (link) {
        var s = link[0], o = link[1];
        var a = pieceAt(text, s.start), b = pieceAt(text, o.start);
        if (!a || !b) { return; }
        var ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
        var x1 = ra.left + ra.width / 2 - base.left, y1 = ra.top - base.top;
        var x2 = rb.left + rb.width / 2 - base.left, y2 = rb.top - base.top;
        var h = 12 + Math.min(30, Math.abs(x2 - x1) / 8);
        var top = Math.min(y1, y2) - h;
        var path = document.createElementNS(ns, "path");
        path.setAttribute("d", "M" + x1 + "," + y1 + " C" + x1 + "," + top + " " + x2 + "," + top + " " + x2 + "," + (y2 - 1));
        path.setAttribute("stroke", c);
        if (link[2]) { path.setAttribute("marker-end", "url(#" + markers[c] + ")"); }
        path.setAttribute("data-r", rec.id);
        if (selected && selected.d === d && selected.id === rec.id) { path.setAttribute("class", "sel"); }
        var title = document.createElementNS(ns, "title");
        title.textContent = rec.label + ": " + s.text + (link[2] ? " → " : " — ") + o.text;
        path.appendChild(title);
        svg.appendChild(path);
      });
    });
    wrap.appendChild(svg);
  }

  function renderPage(p, force) {
    var n = INDEX.docs.length;
    var pages = Math.max(1, Math.ceil(n / PAGE));
    p = Math.min(Math.max(p, 0), pages - 1);
    if (p === page && !force) { return; }
    page = p;
    var box = document.getElementById("docs");
    box.textContent = "";
    for (var i = p * PAGE; i < Math.min(n, (p + 1) * PAGE); i++) {
      box.appendChild(document.getElementById("t" + i).content.cloneNode(true));
    }
    if (!n) { box.appendChild(el("p", {"class": "muted"}, "No documents.")); }
    box.querySelectorAll("article.doc").forEach(paint);
    document.querySelectorAll(".pager").forEach(function (pager) { fillPager(pager, pages, n); });
    markDocList();
  }

  function fillPager(pager, pages, n) {
    pager.textContent = "";
    pager.appendChild(el("span", {"class": "info"}, n ? "documents " + (page * PAGE + 1) + "–" +
      Math.min(n, (page + 1) * PAGE) + " of " + n : ""));
    if (pages < 2) { return; }
    var button = function (label, target, on) {
      return el("button", {type: "button", "class": on ? "on" : "", onclick: function () { renderPage(target); window.scrollTo(0, 0); }}, label);
    };
    pager.appendChild(button("‹", Math.max(0, page - 1), false));
    var last = -1;
    for (var q = 0; q < pages; q++) {
      if (q === 0 || q === pages - 1 || Math.abs(q - page) <= 3) {
        if (last >= 0 && q > last + 1) { pager.appendChild(el("span", {}, "…")); }
        pager.appendChild(button(String(q + 1), q, q === page));
        last = q;
      }
    }
    pager.appendChild(button("›", Math.min(pages - 1, page + 1), false));
  }

  function article(d) { return document.querySelector('#docs article[data-d="' + d + '"]'); }

  function go(d, id) {
    showTab("docs");
    renderPage(Math.floor(d / PAGE));
    var a = article(d);
    if (!a) { return; }
    if (id === undefined || id === null) {
      a.scrollIntoView({block: "start"});
      a.classList.add("flash");
      setTimeout(function () { a.classList.remove("flash"); }, 900);
    } else {
      select(d, id);
      var bar = a.querySelector('.b[data-r="' + id + '"]') || a.querySelector('tr[data-r="' + id + '"]');
      if (bar) { bar.scrollIntoView({block: "center"}); }
    }
  }

  function select(d, id) {
    document.querySelectorAll("#docs .sel").forEach(function (e) { e.classList.remove("sel"); });
    selected = {d: d, id: id};
    var a = article(d);
    if (a) {
      a.querySelectorAll('.b[data-r="' + id + '"], tr[data-r="' + id + '"], svg.arcs path[data-r="' + id + '"]')
        .forEach(function (e) { e.classList.add("sel"); });
    }
    explain(d, id);
  }

  document.getElementById("docs").addEventListener("click", function (event) {
    var a = event.target.closest("article.doc");
    if (!a) { return; }
    var d = +a.dataset.d;
    var hit = event.target.closest(".b, tr[data-r]");
    if (hit) { select(d, +hit.dataset.r); return; }
    var piece = event.target.closest(".s");
    if (!piece) { return; }
    var recs = records(d);
    var ids = piece.dataset.r.split(" ").map(Number).filter(function (id) { return visible(recs[id]); });
    if (!ids.length) { return; }
    // a second click on the same piece walks outwards through the records that cover it
    var at = selected && selected.d === d ? ids.indexOf(selected.id) : -1;
    select(d, ids[(at + 1) % ids.length]);
  });

  /* ---- explanations ---- */

  function refLink(d, ref, text) {
    return el("a", {"class": "ref", onclick: function () { go(d, ref); }}, text);
  }

  function morphemeChip(m) {
    return el("span", {"class": "m", title: m.start + "–" + m.end}, [m.form, el("span", {"class": "tg"}, "/" + m.tag)]);
  }

  function explain(d, id) {
    var recs = records(d);
    var rec = recs[id];
    var rule = ruleOf(rec);
    var ex = rec.explanation;
    var box = document.getElementById("explain");
    box.textContent = "";
    box.appendChild(el("div", {"class": "L" + rule.label}, [el("span", {"class": "tag"}, rec.label), " ",
      el("span", {"class": "quote"}, rec.text)]));
    var dl = el("dl");
    var row = function (k, v) { dl.appendChild(el("dt", {}, k)); dl.appendChild(el("dd", {}, v)); };
    row("document", el("a", {"class": "link", onclick: function () { go(d); }}, INDEX.docs[d][0]));
    row("rule", el("code", {"class": "rule-id"}, rec.rule));
    row("where", el("code", {"class": "where"}, rule.where || "?"));
    row("offsets", rec.start + "–" + rec.end);
    row("output", rec.output ? "yes" : "no (entity rule, output: false)");
    Object.keys(rec.attrs || {}).forEach(function (k) { row(k, String(rec.attrs[k])); });
    if (rule.description) { row("about", rule.description); }
    box.appendChild(dl);

    var roles = Object.keys(rec.args || {});
    if (roles.length) {
      box.appendChild(el("h3", {}, "Slots"));
      var list = el("ul", {"class": "slots"});
      roles.forEach(function (role) {
        mentions(rec.args[role]).forEach(function (m) {
          var filler = m.ref !== undefined ? recs[m.ref] : null;
          list.appendChild(el("li", {}, [el("b", {}, role), " ", filler ? refLink(d, m.ref, m.text) : m.text,
            " [" + m.start + "–" + m.end + "]",
            filler ? " " + filler.label + " by " + filler.rule : "", m.name ? " (name: " + m.name + ")" : ""]));
        });
      });
      box.appendChild(list);
    }
    if (ex.completed && ex.completed.length) {
      // roles filled after matching: carried, joined from an earlier event, or an anaphor resolved
      box.appendChild(el("h3", {}, "Filled from the document"));
      box.appendChild(el("ul", {"class": "slots"}, ex.completed.map(function (entry) {
        var from = entry.how === "joined" ? "joined " + entry.frame.label + " '" + entry.frame.text + "' (" + entry.frame.rule + ")"
          : entry.how === "anaphor" ? "the anaphor '" + entry.anaphor.text + "' [" + entry.anaphor.start + "–" + entry.anaphor.end + "]"
          : "carried from an earlier record";
        var people = entry.mentions.map(function (m) { return m.text + " [" + m.start + "–" + m.end + "]"; }).join(", ");
        return el("li", {}, [el("b", {}, entry.role), " ← " + from + ": " + (people || "(none in reach)")]);
      })));
    }
    var users = recs.filter(function (other) {
      return Object.keys(other.args || {}).some(function (role) {
        return mentions(other.args[role]).some(function (m) { return m.ref === id; });
      });
    });
    if (users.length) {
      box.appendChild(el("h3", {}, "Fills a slot of"));
      box.appendChild(el("ul", {}, users.map(function (u) {
        return el("li", {}, [refLink(d, u.id, u.label + " " + u.text), " (" + u.rule + ")"]);
      })));
    }

    box.appendChild(el("h3", {}, "Pattern"));
    box.appendChild(el("pre", {"class": "pattern"}, rule.pattern));
    box.appendChild(el("h3", {}, "Alignment"));
    var table = el("table", {"class": "align"}, el("thead", {}, el("tr", {}, [
      el("th", {}, "element"), el("th", {}, "morphemes"), el("th", {}, "text"), el("th", {}, "filled by")])));
    var body = el("tbody");
    ex.steps.forEach(function (step) {
      var filled = step.filled_by;
      body.appendChild(el("tr", {"class": "step"}, [
        el("td", {title: step.where || ""}, [el("span", {"class": "el"}, step.element),
          step.analysis && step.analysis !== step.element ? el("div", {"class": "muted"}, step.analysis) : null]),
        el("td", {"class": "morphs"}, step.morphemes.length ? step.morphemes.map(morphemeChip) : el("span", {"class": "muted"}, "(none)")),
        el("td", {}, step.text),
        el("td", {}, filled ? [filled.ref !== undefined ? refLink(d, filled.ref, filled.text) : filled.text,
          el("div", {"class": "muted"}, filled.label + " · " + filled.rule)] : "")]));
    });
    table.appendChild(body);
    box.appendChild(table);
  }

  /* ---- filters and the document list ---- */

  function visibleCount(counts) {
    return counts.reduce(function (sum, pair) {
      var r = pair[0];
      return sum + (hiddenRules.has(r) || hiddenLabels.has(INDEX.rules[r].label) ? 0 : pair[1]);
    }, 0);
  }

  function buildDocList() {
    var list = document.getElementById("doclist");
    var needle = document.getElementById("docfilter").value.trim().toLowerCase();
    var only = document.getElementById("onlymatched").checked;
    var fragment = document.createDocumentFragment();
    INDEX.docs.forEach(function (doc, d) {
      var n = visibleCount(doc[1]);
      if ((only && !n) || (needle && doc[0].toLowerCase().indexOf(needle) < 0)) { return; }
      fragment.appendChild(el("li", {"data-d": d, title: doc[0], onclick: function () { go(d); }},
        [el("span", {"class": "id"}, doc[0]), el("span", {"class": "c"}, String(n))]));
    });
    list.textContent = "";
    list.appendChild(fragment);
    markDocList();
  }

  function markDocList() {
    document.querySelectorAll("#doclist li").forEach(function (li) {
      li.classList.toggle("cur", Math.floor(+li.dataset.d / PAGE) === page);
    });
  }

  function refilter() {
    document.querySelectorAll("#docs article.doc").forEach(paint);
    buildDocList();
  }

  document.querySelectorAll("#legend input[data-l]").forEach(function (box) {
    box.addEventListener("change", function () {
      var l = +box.dataset.l;
      if (box.checked) { hiddenLabels.delete(l); } else { hiddenLabels.add(l); }
      root.classList.toggle("xL" + l, !box.checked);
      refilter();
    });
  });
  document.querySelectorAll("#rules input[data-rule]").forEach(function (box) {
    box.addEventListener("change", function () {
      var r = +box.dataset.rule;
      if (box.checked) { hiddenRules.delete(r); } else { hiddenRules.add(r); }
      root.classList.toggle("xR" + r, !box.checked);
      refilter();
    });
  });
  document.getElementById("docfilter").addEventListener("input", buildDocList);
  document.getElementById("onlymatched").addEventListener("change", buildDocList);

  /* ---- tabs and the graph ---- */

  function showTab(name) {
    document.querySelectorAll(".tabs button").forEach(function (b) { b.classList.toggle("on", b.dataset.tab === name); });
    ["docs", "graph", "notes"].forEach(function (v) {
      var view = document.getElementById(v + "-view");
      if (view) { view.hidden = v !== name; }
    });
    if (name === "docs") { document.querySelectorAll("#docs article.doc").forEach(drawArcs); }
  }
  document.querySelectorAll(".tabs button").forEach(function (b) {
    b.addEventListener("click", function () { showTab(b.dataset.tab); });
  });

  function showEdge(e) {
    var graph = INDEX.graph, edge = graph.edges[e];
    document.querySelectorAll("svg.graph .sel").forEach(function (x) { x.classList.remove("sel"); });
    var line = document.querySelector('svg.graph g.edge[data-e="' + e + '"]');
    if (line) { line.classList.add("sel"); }
    var box = document.getElementById("explain");
    box.textContent = "";
    box.appendChild(el("div", {"class": "quote"}, graph.nodes[edge.a].name + " — " + graph.nodes[edge.b].name));
    box.appendChild(el("p", {"class": "muted"}, edge.evidence.length + " " + INDEX.graphLabel + " record" +
      (edge.evidence.length === 1 ? "" : "s") + " as evidence:"));
    var shown = edge.evidence.slice(0, 200);
    box.appendChild(el("ul", {"class": "evidence"}, shown.map(function (ev) {
      var rec = records(ev[0])[ev[1]];
      return el("li", {}, [el("a", {"class": "link", onclick: function () { go(ev[0], ev[1]); }}, INDEX.docs[ev[0]][0]),
        el("div", {}, rec.text), el("div", {"class": "muted"}, [ev[2] ? "status: " + ev[2] : "", ev[3] ? " · date: " + ev[3] : ""])]);
    })));
    if (edge.evidence.length > shown.length) {
      box.appendChild(el("p", {"class": "muted"}, "and " + (edge.evidence.length - shown.length) + " more"));
    }
  }

  function showNode(n) {
    var graph = INDEX.graph;
    document.querySelectorAll("svg.graph .sel").forEach(function (x) { x.classList.remove("sel"); });
    var g = document.querySelector('svg.graph g[data-n="' + n + '"]');
    if (g) { g.classList.add("sel"); }
    var box = document.getElementById("explain");
    box.textContent = "";
    box.appendChild(el("div", {"class": "quote"}, graph.nodes[n].name));
    box.appendChild(el("p", {"class": "muted"}, "met:"));
    box.appendChild(el("ul", {}, graph.edges.map(function (edge, e) { return [edge, e]; })
      .filter(function (pair) { return pair[0].a === n || pair[0].b === n; })
      .map(function (pair) {
        var other = graph.nodes[pair[0].a === n ? pair[0].b : pair[0].a];
        return el("li", {}, [el("a", {"class": "link", onclick: function () { showEdge(pair[1]); }}, other.name),
          " (" + pair[0].evidence.length + ")"]);
      })));
  }

  var svgGraph = document.querySelector("svg.graph");
  if (svgGraph) {
    svgGraph.addEventListener("click", function (event) {
      var line = event.target.closest("g.edge");
      if (line) { showEdge(+line.dataset.e); return; }
      var node = event.target.closest("g.node");
      if (node) { showNode(+node.dataset.n); }
    });
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { document.querySelectorAll("#docs article.doc").forEach(drawArcs); }, 100);
  });

  buildDocList();
  renderPage(0, true);
  if (INDEX.open) { select(INDEX.open[0], INDEX.open[1]); }
  window.koieReport = {go: go, select: select, renderPage: renderPage, showEdge: showEdge, showTab: showTab};
})();
