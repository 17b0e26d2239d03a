/* Shared helpers of the Revisor pages: JSON from the page's endpoints, POST actions with the CSRF token, DOM and SVG. */
var Revisor = (function () {
  'use strict';
  var box = document.getElementById('revisor');
  // absolute, from the origin: a page opened as http://user:password@host/... must not fetch URLs with credentials
  var root = location.origin + box.getAttribute('data-root');
  var meta = document.querySelector('meta[name=revisor-csrf]');
  var token = meta ? meta.getAttribute('content') : '';
  var SVG = 'http://www.w3.org/2000/svg';

  function answer(r) {
    return r.text().then(function (t) {
      var j;
      try { j = JSON.parse(t); } catch (e) { throw new Error('HTTP ' + r.status + ': ' + t.slice(0, 200)); }
      if (!r.ok) { throw new Error(j.error || ('HTTP ' + r.status)); }
      return j;
    });
  }
  function get(path) {
    return fetch(root + path, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } }).then(answer);
  }
  function post(path) {
    return fetch(root + path, { method: 'POST', credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-Revisor-CSRF': token } }).then(answer);
  }
  /** el('td', {class: 'x'}, 'text', child, ...) */
  function el(tag, attrs) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) { e.setAttribute(k, attrs[k]); }
    for (var i = 2; i < arguments.length; i++) { add(e, arguments[i]); }
    return e;
  }
  function add(e, c) {
    if (c === null || c === undefined) { return; }
    if (Array.isArray(c)) { c.forEach(function (x) { add(e, x); }); return; }
    e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in (attrs || {})) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } return e; }
  function bundle(b) { return b ? b.symbolicName + '/' + b.version + ' [' + b.id + ']' : '-'; }
  /** A table from rows of cells; head: column titles. */
  function table(head, rows, cls) {
    return el('table', { 'class': 'rv-table' + (cls ? ' ' + cls : '') },
      el('thead', {}, el('tr', {}, head.map(function (h) { return el('th', {}, h); }))),
      el('tbody', {}, rows.map(function (r) { return el('tr', {}, r.map(function (c) { return el('td', {}, c); })); })));
  }
  function fail(where, e) { clear(where).appendChild(el('div', { 'class': 'rv-error' }, String(e.message || e))); }
  function param(name) {
    var m = new RegExp('[#&]' + name + '=([^&]*)').exec(location.hash);
    return m ? decodeURIComponent(m[1]) : null;
  }
  return { get: get, post: post, el: el, svg: svg, clear: clear, bundle: bundle, table: table, fail: fail, param: param };
})();
