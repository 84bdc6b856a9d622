// Injected into a wrapper page around the dashboards (one iframe per page
// and width under test, each page given as srcdoc). After the load, it
// checks in each frame what a person would see and writes the findings, by
// frame id, as JSON into the last element of the body, which the test
// reads from --dump-dom. OTHER_WORDS[frame id] (the other language's words)
// is set by the test.
function checkFrame(frame, otherWords) {
  var out = { tiles: 0, hidden: [], overflowing: [], page_overflow: 0, untranslated: [], charts: 0,
              links: 0, bad_links: [], width: 0, errors: [], events: [] };
  try {
    var doc = frame.contentDocument;
    var win = frame.contentWindow;
    out.width = win.innerWidth;
    var tiles = doc.querySelectorAll("section.tile");
    out.tiles = tiles.length;
    tiles.forEach(function (t) {
      var name = (t.getAttribute("data-portlet") || "?");
      var r = t.getBoundingClientRect();
      var style = win.getComputedStyle(t);
      if (r.width < 50 || r.height < 20 || style.display === "none" || style.visibility === "hidden" ||
          r.left < -1 || r.right > win.innerWidth + 1) {
        out.hidden.push(name + " " + Math.round(r.left) + ".." + Math.round(r.right));
      }
      // Content that sticks out of the tile (what is clipped inside a cell
      // with an ellipsis does not count: the tile's scroll width ignores it).
      if (t.scrollWidth > t.clientWidth + 1) {
        out.overflowing.push(name + " " + t.scrollWidth + ">" + t.clientWidth);
      }
      t.querySelectorAll("table, figure, svg, dl, ul, .counters").forEach(function (e) {
        var er = e.getBoundingClientRect();
        if (er.width > 0 && er.right > r.right + 1) {
          out.overflowing.push(name + " " + e.tagName + " " + Math.round(er.right) + ">" + Math.round(r.right));
        }
      });
    });
    out.page_overflow = Math.max(0, doc.documentElement.scrollWidth - win.innerWidth);
    // The interface's words (not the firm's data): titles, headers,
    // labels, captions, legends, links, messages, dates.
    var ui = doc.querySelectorAll("title, h1, h2, th, dt, .subtitle, .counter, figcaption, .legend, .axis, " +
                                   ".spark > span, .drill, .why, .err, .empty, .shown, .badge, time, li .sub, caption");
    var text = Array.prototype.map.call(ui, function (e) { return e.textContent; }).join("\n");
    otherWords.forEach(function (w) {
      var re = new RegExp("(^|[^\\p{L}])" + w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "($|[^\\p{L}])", "u");
      if (re.test(text)) { out.untranslated.push(w); }
    });
    // Transfer events shown in a table (visible cells only), as written.
    doc.querySelectorAll("section.tile td").forEach(function (td) {
      var t = td.textContent.trim();
      var r = td.getBoundingClientRect();
      if ((t.indexOf("Transfert \u00ab") === 0 || t.indexOf("Transfer \u201c") === 0) && r.width > 0 && r.height > 0 &&
          win.getComputedStyle(td).visibility !== "hidden") {
        out.events.push(t);
      }
    });
    out.charts = doc.querySelectorAll("svg[role=img]").length;
    doc.querySelectorAll("[data-clientele-drill]").forEach(function (a) {
      out.links += 1;
      try {
        var d = JSON.parse(a.getAttribute("data-clientele-drill"));
        var label = a.textContent.trim();
        if (!d.tab || !d.request || !d.request.op || label === "" || label.indexOf(d.tab) >= 0 && d.tab.indexOf("_") >= 0) {
          out.bad_links.push(label + " " + a.getAttribute("data-clientele-drill"));
        }
      } catch (e) {
        out.bad_links.push("unparsable: " + a.getAttribute("data-clientele-drill"));
      }
    });
    frame.style.height = (doc.documentElement.scrollHeight + 20) + "px";
  } catch (e) {
    out.errors.push(String(e));
  }
  return out;
}

window.addEventListener("load", function () {
  var all = {};
  document.querySelectorAll("iframe").forEach(function (f) {
    all[f.id] = checkFrame(f, OTHER_WORDS[f.id] || []);
  });
  var pre = document.createElement("pre");
  pre.style.display = "none";
  pre.textContent = "CHECKED " + JSON.stringify(all);
  document.body.appendChild(pre);
});
