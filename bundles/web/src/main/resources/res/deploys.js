/* Deploy folder: files, their states, markers and reasons (audit:deploys --json); polled every 3 s. */
(function (R) {
  'use strict';
  function draw(s) {
    document.getElementById('rv-folder').textContent = s.folder + (s.accepting ? '' : ' - NOT ACCEPTING: ' + s.problem)
      + (s.settled ? ', settled' : ', ' + s.queued + ' queued') + ', API gate ' + s.apiGate;
    R.clear(document.getElementById('rv-files')).appendChild(R.table(
      ['FILE', 'STATE', 'BUNDLE', 'BUNDLE STATE', 'LAST CHANGE', 'OPERATION', 'MARKER', 'REASON', 'TIME'],
      (s.files || []).map(function (f) {
        return [f.file, f.state, R.bundle(f.bundle), f.bundleState || '-', f.outcome || '-', f.operation || '-', f.marker || '-',
          f.reason ? R.el('pre', {}, f.reason) : '', f.time || '-'];
      }), 'rv-files'));
    var configs = s.configurations || [];
    R.clear(document.getElementById('rv-configs')).appendChild(configs.length ? R.el('div', {}, R.el('h3', {}, 'Configuration files'),
      R.table(['FILE', 'PID', 'STATE', 'OUTCOME', 'REASON'], configs.map(function (c) {
        return [c.file, c.pid || '-', c.state || '-', c.outcome || '-', c.reason || ''];
      }))) : R.el('span'));
  }
  function poll() {
    R.get('.json').then(draw).catch(function (e) { R.fail(document.getElementById('rv-files'), e); })
      .then(function () { setTimeout(poll, 3000); });
  }
  poll();
})(Revisor);
