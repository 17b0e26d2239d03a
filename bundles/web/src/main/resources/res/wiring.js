/* Wiring: packages with several exporters, split packages and private copies (audit:conflicts); for a package or a
   bundle a graph of exporters and importers with versions (audit:wiring); audit:why for a bundle that is not active. */
(function (R) {
  'use strict';
  var list = document.getElementById('rv-packages');
  var graph = document.getElementById('rv-graph');
  var why = document.getElementById('rv-why');
  var report = null;

  function node(x, y, lines, cls, w) {
    var g = R.svg('g', { 'class': 'rv-node ' + (cls || '') });
    g.appendChild(R.svg('rect', { x: x, y: y, width: w || 250, height: 14 * lines.length + 8, rx: 4,
      fill: cls && cls.indexOf('rv-private') >= 0 ? '#fdd' : cls && cls.indexOf('rv-exporter') >= 0 ? '#def' : '#efe', stroke: '#666' }));
    lines.forEach(function (l, i) { g.appendChild(R.svg('text', { x: x + 6, y: y + 16 + 14 * i }, l)); });
    graph.appendChild(g);
    return { x: x, y: y, w: w || 250, h: 14 * lines.length + 8 };
  }
  function edge(from, to, label, cls) {
    var x1 = from.x, y1 = from.y + from.h / 2, x2 = to.x + to.w, y2 = to.y + to.h / 2;
    graph.appendChild(R.svg('line', { x1: x1, y1: y1, x2: x2, y2: y2, stroke: cls === 'rv-edge-private' ? '#c33' : '#557',
      'stroke-dasharray': cls === 'rv-edge-private' ? '4 3' : '', 'class': 'rv-edge ' + (cls || '') }));
    if (label) { graph.appendChild(R.svg('text', { x: (x1 + x2) / 2 - 20, y: (y1 + y2) / 2 - 3, fill: '#557' }, label)); }
  }

  /** One package: exporters (middle) with their versions, importers (right) wired to each, private copies (left). */
  function drawPackage(name) {
    R.clear(graph); R.clear(why);
    var exporters = [], copies = [];
    (report.packages || []).forEach(function (p) { if (p.packageName === name) { exporters = p.exporters || []; } });
    (report.privateCopies || []).forEach(function (c) { if (c.packageName === name) { copies.push(c); } });
    if (!exporters.length) {
      (report.privateCopies || []).forEach(function (c) { if (c.packageName === name) { exporters = c.exporters || []; } });
    }
    graph.setAttribute('data-package', name);
    graph.setAttribute('width', 900);
    graph.appendChild(R.svg('text', { x: 4, y: 14, 'font-weight': 'bold' }, 'package ' + name));
    var y = 30, rows = 0;
    exporters.forEach(function (ex) {
      var importers = ex.importers || [];
      var h = Math.max(importers.length, 1);
      var n = node(300, y + (h - 1) * 15, ['exports ' + ex.version + (ex.removalPending ? ' (removal pending)' : ''), R.bundle(ex.bundle)],
        'rv-exporter rv-version-' + ex.version);
      importers.forEach(function (im, i) {
        var m = node(640, y + i * 38, [R.bundle(im)], 'rv-importer');
        edge(m, n, 'wired to ' + ex.version);
      });
      y += h * 38 + 10; rows++;
    });
    copies.forEach(function (c, i) {
      var m = node(4, 30 + i * 44, ['private copy (' + c.classes + ' classes)', R.bundle(c.bundle)], 'rv-private', 250);
      graph.appendChild(R.svg('title', {}, c.note || ''));
      y = Math.max(y, 30 + (i + 1) * 44);
    });
    graph.setAttribute('height', y + 10);
    location.hash = 'package=' + encodeURIComponent(name);
  }

  /** One bundle: the exporters of its imports (left), itself (middle), the importers of its exports (right). */
  function drawBundle(name) {
    R.get('/bundle.json?bundle=' + encodeURIComponent(name)).then(function (w) {
      R.clear(graph); R.clear(why);
      graph.setAttribute('width', 910);
      location.hash = 'bundle=' + encodeURIComponent(name);
      var rev = (w.revisions || []).filter(function (r) { return r.current; })[0] || (w.revisions || [])[0] || {};
      var imports = rev.imports || [], exports = rev.exports || [];
      var rows = Math.max(imports.length, exports.reduce(function (n, e) { return n + Math.max((e.importers || []).length, 1); }, 0), 1);
      var me = node(320, 10 + (rows - 1) * 19, [R.bundle(w.bundle), w.state], 'rv-self', 230);
      imports.forEach(function (im, i) {
        var n = node(4, 10 + i * 38, [im.packageName + ' ' + (im.version || im.range), 'from ' + (im.exporter ? R.bundle(im.exporter) : '(not wired)')],
          'rv-exporter', 300);
        edge(me, n, '');
      });
      var y = 10;
      exports.forEach(function (ex) {
        (ex.importers || []).forEach(function (im) {
          var n = node(600, y, [R.bundle(im), 'imports ' + ex.packageName + ' ' + ex.version], 'rv-importer', 300);
          edge(n, me, ''); y += 38;
        });
      });
      graph.setAttribute('height', Math.max(y, 10 + rows * 38) + 10);
      if (w.state !== 'ACTIVE') { showWhy(name); }
    }).catch(function (e) { R.fail(why, e); });
  }

  function showWhy(name) {
    R.get('/why.json?bundle=' + encodeURIComponent(name)).then(function (r) {
      var parts = [R.el('h3', {}, 'audit:why ' + R.bundle(r.bundle) + ': ' + r.state), R.el('div', {}, r.summary || '')];
      (r.reasons || []).forEach(function (x) { parts.push(R.el('pre', {}, x)); });
      (r.unresolved || []).forEach(function (u) { parts.push(R.el('pre', { 'class': 'rv-hot' }, u.text + (u.reason ? ': ' + u.reason : ''))); });
      (r.usesConflicts || []).forEach(function (u) {
        parts.push(R.el('div', { 'class': 'rv-uses' }, R.el('b', { 'class': 'rv-hot' }, 'uses conflict on ' + u.packageName),
          R.el('pre', {}, u.explanation || ''), (u.fixes || []).map(function (f) { return R.el('pre', {}, 'fix: ' + f); })));
      });
      if (r.activationFailure) { parts.push(R.el('pre', { 'class': 'rv-hot' }, JSON.stringify(r.activationFailure, null, 2))); }
      R.clear(why).appendChild(R.el('div', {}, parts));
    }).catch(function (e) { R.fail(why, e); });
  }

  function drawList() {
    var items = [R.el('h4', {}, 'Packages exported more than once')];
    (report.packages || []).forEach(function (p) {
      var versions = (p.exporters || []).map(function (e) { return e.version; }).join(', ');
      var d = R.el('div', { 'class': 'rv-package' + (p.verdict === 'side-by-side' ? '' : ' rv-hot'), 'data-package': p.packageName },
        p.packageName + ' (' + versions + ') ' + p.verdict);
      d.addEventListener('click', function () { drawPackage(p.packageName); });
      items.push(d);
    });
    items.push(R.el('h4', {}, 'Split packages'));
    (report.splitPackages || []).forEach(function (s) { items.push(R.el('div', { 'class': 'rv-hot' }, s.packageName + ' in ' + R.bundle(s.bundle))); });
    items.push(R.el('h4', {}, 'Private copies'));
    (report.privateCopies || []).forEach(function (c) {
      var d = R.el('div', { 'class': 'rv-hot' }, c.packageName + ' inside ' + R.bundle(c.bundle));
      d.addEventListener('click', function () { drawPackage(c.packageName); });
      items.push(d);
    });
    R.clear(list).appendChild(R.el('div', {}, items));
  }

  document.getElementById('rv-show').addEventListener('click', function () {
    var b = document.getElementById('rv-bundle').value.trim();
    if (b) { drawBundle(b); }
  });
  R.get('.json').then(function (r) {
    report = r;
    drawList();
    if (R.param('package')) { drawPackage(R.param('package')); }
    else if (R.param('bundle')) { document.getElementById('rv-bundle').value = R.param('bundle'); drawBundle(R.param('bundle')); }
  }).catch(function (e) { R.fail(list, e); });
})(Revisor);
