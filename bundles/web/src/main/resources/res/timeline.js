/* Timeline: operations as bars from start to end, coloured by outcome; polled every 2 s; a click opens the operation. */
(function (R) {
  'use strict';
  var COLORS = { 'succeeded': '#3a3', 'failed': '#c33', 'rolled-back': '#e80', 'refused': '#888', 'interrupted': '#a3a', 'open': '#39f' };
  var svg = document.getElementById('rv-timeline');
  var live = document.getElementById('rv-live');
  var detail = document.getElementById('rv-detail');
  var selected = null;
  var ROW = 18, LEFT = 330, TOP = 20;

  function outcome(op) { return op.end ? (op.outcome || 'succeeded') : 'open'; }

  function draw(doc) {
    var ops = doc.operations || [];
    R.clear(svg);
    var now = Date.now();
    var t0 = Infinity, t1 = -Infinity;
    ops.forEach(function (op) {
      var s = Date.parse(op.start), e = op.end ? Date.parse(op.end) : now;
      t0 = Math.min(t0, s); t1 = Math.max(t1, e);
    });
    var width = Math.max(svg.getBoundingClientRect().width || 900, 600);
    var span = Math.max(t1 - t0, 1), plot = width - LEFT - 20;
    svg.setAttribute('height', TOP + ops.length * ROW + 10);
    if (ops.length) {
      svg.appendChild(R.svg('text', { x: LEFT, y: 12 }, new Date(t0).toISOString()));
      svg.appendChild(R.svg('text', { x: width - 20, y: 12, 'text-anchor': 'end' }, new Date(t1).toISOString()));
    }
    ops.forEach(function (op, i) {
      var s = Date.parse(op.start), e = op.end ? Date.parse(op.end) : now, o = outcome(op);
      var x = LEFT + (s - t0) / span * plot, w = Math.max((e - s) / span * plot, 3), y = TOP + i * ROW;
      var g = R.svg('g', { 'class': 'rv-op rv-outcome-' + o, 'data-op': op.id, 'data-kind': op.kind, 'data-outcome': o });
      var label = op.id + ' ' + op.kind + (op.implicit ? '*' : '') + ' ' + (op.subject || '');
      g.appendChild(R.svg('text', { x: 4, y: y + 12 }, label.length > 52 ? label.slice(0, 51) + '\u2026' : label));
      var bar = R.svg('rect', { x: x, y: y + 2, width: w, height: ROW - 5, rx: 2, fill: COLORS[o] || '#555',
        stroke: op.id === selected ? '#000' : 'none' });
      bar.appendChild(R.svg('title', {}, op.id + ': ' + op.kind + ', ' + o + (op.reason ? ': ' + op.reason : '')
        + '\n' + op.start + ' .. ' + (op.end || 'open') + '\ntrigger ' + op.trigger));
      g.appendChild(bar);
      g.addEventListener('click', function () { open(op.id); });
      svg.appendChild(g);
    });
    var legend = document.getElementById('rv-legend');
    R.clear(legend).appendChild(R.el('span', {}, Object.keys(COLORS).map(function (k) {
      return R.el('span', { style: 'margin-right:10px;color:' + COLORS[k] }, '\u25A0 ' + k);
    }), ' (* implicit: opened by the audit for a change nobody announced)'));
  }

  function poll() {
    R.get('.json?n=100').then(function (doc) {
      draw(doc);
      live.textContent = 'live: updated ' + new Date().toLocaleTimeString() + ', ' + (doc.operations || []).length + ' operations';
      live.className = 'rv-muted';
    }).catch(function (e) { live.textContent = 'not updated: ' + e.message; live.className = 'rv-error'; })
      .then(function () { setTimeout(poll, 2000); });
  }

  function details(d) {
    var keys = Object.keys(d || {}).filter(function (k) { return k !== 'plan' && typeof d[k] !== 'object'; });
    return keys.map(function (k) { return k + '=' + d[k]; }).join(' ');
  }

  function record(r, final) {
    var out = [R.el('h3', {}, 'Refresh record ' + (r.operation || '') + (final ? ', as its operation ended' : '')),
      R.el('div', {}, r.start + ' .. ' + r.end + ': ' + (r.restarted || []).length + ' bundle(s) refreshed, '
        + (r.failures || []).length + ' failure(s)'),
      R.table(['BUNDLE', 'STOPPED', 'STOP MS', 'STARTED', 'STATE NOW'], (r.restarted || []).map(function (d) {
        return [R.bundle(d.bundle), d.stopped || '-', d.stopMillis < 0 ? '-' : d.stopMillis, d.started || '-', d.stateAfter];
      }), 'rv-restarts')];
    if ((r.wiringChanges || []).length) {
      out.push(R.el('h4', {}, 'Wiring changes'), R.table(['IMPORTER', 'PACKAGE', 'BEFORE', 'AFTER'], r.wiringChanges.map(function (c) {
        return [R.bundle(c.importer), c.name, c.fromExporter ? c.fromVersion + ' from ' + R.bundle(c.fromExporter) : '(not wired)',
          c.toExporter ? c.toVersion + ' from ' + R.bundle(c.toExporter) : '(not wired)'];
      }), 'rv-wiring-changes'));
    }
    (r.failures || []).forEach(function (f) { out.push(R.el('div', { 'class': 'rv-error' }, f)); });
    return out;
  }

  function plan(p) {
    return [R.el('h3', {}, 'Plan: ' + p.change + ' of ' + (p.triggers || []).map(R.bundle).join(', ')),
      R.table(['BUNDLE', 'STATE', 'RESTARTS', 'PROBLEMS'], (p.affected || []).map(function (a) {
        return [R.bundle(a.bundle), a.state, a.removed ? 'removed' : a.restarts ? 'yes' : 'no', (a.problems || []).join('; ')];
      }), 'rv-plan')];
  }

  function open(id) {
    selected = id;
    R.get('/ops/' + encodeURIComponent(id) + '.json').then(function (doc) {
      var op = doc.operation, events = doc.events || [];
      var parts = [R.el('h2', { id: 'rv-op-title' }, op.id + ': ' + op.kind + ', ' + outcome(op) + (op.reason ? ': ' + op.reason : '')),
        R.el('div', {}, 'trigger ' + op.trigger + (op.subject ? ', ' + op.subject : '') + '; ' + op.start + ' .. ' + (op.end || 'open'))];
      events.forEach(function (e) {
        if (e.type === 'refresh.record') { parts = parts.concat(record(e.details)); }
        if (e.type === 'refresh.final') { parts = parts.concat(record(e.details, true)); }
        if (e.type === 'refresh.planned' && e.details && e.details.plan) { parts = parts.concat(plan(e.details.plan)); }
      });
      parts.push(R.el('h3', {}, 'Events'), R.table(['SEQ', 'TIME', 'TYPE', 'BUNDLE', 'DETAILS'], events.map(function (e) {
        return [e.seq, e.time, e.type, R.bundle(e.bundle), details(e.details)];
      }), 'rv-events'));
      R.clear(detail).appendChild(R.el('div', {}, parts));
    }).catch(function (e) { R.fail(detail, e); });
  }

  document.getElementById('rv-refresh').addEventListener('click', function () {
    R.post('/refresh.json').then(function (r) { R.clear(detail).appendChild(R.el('div', {}, record(r))); })
      .catch(function (e) { R.fail(detail, e); });
  });
  if (R.param('op')) { open(R.param('op')); }
  poll();
})(Revisor);
