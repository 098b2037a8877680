/**
 * The live stats page: plain HTML, CSS and JS with inline SVG charts, polling
 * `/dashboard/data` every second. Nothing is loaded from elsewhere (no CDN, no fonts), so it
 * works offline and behind strict egress rules.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>memkit dashboard</title>
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px system-ui, sans-serif; margin: 24px; background: #0f172a; color: #e2e8f0; }
  h1 { font-size: 20px; margin: 0 0 16px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
  .card { background: #1e293b; border-radius: 8px; padding: 12px 16px; }
  .card h2 { font-size: 13px; font-weight: 600; margin: 0 0 4px; color: #94a3b8; text-transform: uppercase; }
  .value { font-size: 24px; font-weight: 700; }
  svg { width: 100%; height: 120px; display: block; }
  polyline { fill: none; stroke: #38bdf8; stroke-width: 2; vector-effect: non-scaling-stroke; }
  #servers li { list-style: none; margin: 4px 0; }
  .up { color: #4ade80; } .down { color: #f87171; }
  #status { color: #94a3b8; font-size: 12px; }
</style>
</head>
<body>
<h1>memkit: live cache stats</h1>
<p id="status">connecting…</p>
<div class="grid">
  <div class="card"><h2>Hit rate</h2><div class="value" data-metric="hitRate">–</div>
    <svg viewBox="0 0 300 100" preserveAspectRatio="none" data-chart="hitRate"><polyline points=""/></svg></div>
  <div class="card"><h2>Operations / s</h2><div class="value" data-metric="opsPerSec">–</div>
    <svg viewBox="0 0 300 100" preserveAspectRatio="none" data-chart="opsPerSec"><polyline points=""/></svg></div>
  <div class="card"><h2>Memory used</h2><div class="value" data-metric="bytes">–</div>
    <svg viewBox="0 0 300 100" preserveAspectRatio="none" data-chart="bytes"><polyline points=""/></svg></div>
  <div class="card"><h2>Items</h2><div class="value" data-metric="items">–</div>
    <svg viewBox="0 0 300 100" preserveAspectRatio="none" data-chart="items"><polyline points=""/></svg></div>
  <div class="card"><h2>Servers</h2><div class="value" data-metric="health">–</div><ul id="servers"></ul></div>
</div>
<script>
(function () {
  'use strict';
  var WINDOW = 300;
  function fmtBytes(n) {
    var u = ['B', 'KiB', 'MiB', 'GiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
  }
  var format = {
    hitRate: function (v) { return v === null ? 'n/a' : v.toFixed(1) + '%'; },
    opsPerSec: function (v) { return v.toFixed(1); },
    bytes: fmtBytes,
    items: function (v) { return String(v); }
  };
  function draw(name, samples) {
    var svg = document.querySelector('[data-chart="' + name + '"]');
    var values = samples.map(function (s) { return s[name] === null ? 0 : s[name]; });
    var max = name === 'hitRate' ? 100 : Math.max.apply(null, values.concat([1]));
    var step = 300 / Math.max(1, WINDOW - 1);
    var offset = WINDOW - values.length;
    var pts = values.map(function (v, i) {
      return ((offset + i) * step).toFixed(1) + ',' + (100 - (v / max) * 96 - 2).toFixed(1);
    });
    svg.firstElementChild.setAttribute('points', pts.join(' '));
    svg.setAttribute('data-max', String(max));
    svg.setAttribute('data-last', String(values.length ? values[values.length - 1] : 0));
    svg.setAttribute('data-peak', String(Math.max.apply(null, values.concat([0]))));
  }
  function render(data) {
    var samples = data.samples;
    var last = samples[samples.length - 1];
    ['hitRate', 'opsPerSec', 'bytes', 'items'].forEach(function (name) {
      draw(name, samples);
      var el = document.querySelector('[data-metric="' + name + '"]');
      el.textContent = last ? format[name](last[name]) : '–';
    });
    var list = document.getElementById('servers');
    list.textContent = '';
    var servers = last ? last.servers : [];
    var up = 0;
    servers.forEach(function (s) {
      var li = document.createElement('li');
      li.className = s.up ? 'up' : 'down';
      li.setAttribute('data-server', s.server);
      li.textContent = (s.up ? '✓ ' : '✗ ') + s.server + (s.error ? ' (' + s.error + ')' : '');
      list.appendChild(li);
      if (s.up) up++;
    });
    document.querySelector('[data-metric="health"]').textContent =
      servers.length === 0 ? '–' : up === servers.length ? 'HEALTHY' : up === 0 ? 'DOWN' : 'DEGRADED';
    document.getElementById('status').textContent =
      'updated ' + new Date(last ? last.t : Date.now()).toLocaleTimeString() + ' · ' + samples.length + ' points';
  }
  function poll() {
    fetch('/dashboard/data', { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(render, function () { document.getElementById('status').textContent = 'disconnected'; })
      .then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
</body>
</html>
`;
