/* Leaks: findings of old revisions with their evidence and the chain from a GC root; Check and Explain are POSTs. */
(function (R) {
  'use strict';
  var box = document.getElementById('rv-findings');
  var status = document.getElementById('rv-status');

  function chain(c) {
    if (!c) { return null; }
    var parts = [R.el('b', {}, 'chain from a GC root: ' + c.status + (c.root ? ' (' + c.root + ')' : ''))];
    (c.hops || []).forEach(function (h, i) {
      parts.push(R.el('div', { 'class': 'rv-hop', style: 'margin-left:' + (i * 12) + 'px' },
        '\u2192 ' + (h.edge ? h.edge + ' ' : '') + (h.to || h.from || '') + (h.bundle ? ' [' + R.bundle(h.bundle) + ']' : '')));
    });
    if (c.message) { parts.push(R.el('pre', {}, c.message)); }
    return R.el('div', { 'class': 'rv-chain' }, parts);
  }

  function draw(doc) {
    var s = doc.status || {};
    status.textContent = (s.pending || 0) + ' revision(s) pending a check; gc ' + (s.gc || '-') + '; analyzer ' + (s.analyzer || '-');
    var findings = doc.findings || [];
    if (!findings.length) { R.clear(box).appendChild(R.el('div', { 'class': 'rv-muted' }, 'no leaks found')); return; }
    R.clear(box).appendChild(R.el('div', {}, findings.map(function (f) {
      return R.el('div', { 'class': 'rv-finding', 'data-kind': f.kind },
        R.el('b', { 'class': 'rv-hot' }, f.kind + ': ' + R.bundle(f.bundle) + ' ' + (f.revision || '')),
        R.el('div', {}, f.summary || ''), (f.evidence || []).map(function (e) { return R.el('pre', {}, e); }),
        f.fixHint ? R.el('div', {}, 'fix: ' + f.fixHint) : null, chain(f.chain),
        R.el('div', { 'class': 'rv-muted' }, 'found ' + f.found + (f.operation ? ' after ' + f.operation : '')));
    })));
  }
  function act(path, label) {
    status.textContent = label + '\u2026';
    R.post(path).then(draw).catch(function (e) { R.fail(box, e); });
  }
  document.getElementById('rv-check').addEventListener('click', function () { act('/check.json', 'checking'); });
  document.getElementById('rv-explain').addEventListener('click', function () { act('/explain.json', 'dumping the heap and explaining'); });
  R.get('.json').then(draw).catch(function (e) { R.fail(box, e); });
})(Revisor);
