/**
 * The live stats page: plain HTML, CSS and JS with inline SVG charts, polling
 * `/dashboard/data` every second. Nothing is loaded from elsewhere (no CDN, no fonts), so it
 * works offline and behind strict egress rules. Every chart has a time axis (the last five
 * minutes) and a value scale; a series is drawn only where it has data, so a server that is
 * down leaves a gap and a quiet minute leaves the hit rate blank instead of at 0 %.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>memkit dashboard</title>
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  * { box-sizing: border-box; }
  body { font: 13px system-ui, sans-serif; margin: 0; padding: 16px 20px; background: #0f172a; color: #e2e8f0; }
  header { display: flex; align-items: baseline; gap: 16px; margin-bottom: 12px; }
  h1 { font-size: 18px; margin: 0; }
  #health { font-weight: 700; padding: 2px 8px; border-radius: 4px; background: #334155; }
  #health.HEALTHY { background: #166534; } #health.DEGRADED { background: #92400e; } #health.DOWN { background: #991b1b; }
  #status { color: #94a3b8; margin-left: auto; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 12px; }
  .card { background: #1e293b; border-radius: 8px; padding: 10px 12px 6px; min-width: 0; }
  .card h2 { display: flex; justify-content: space-between; font-size: 12px; font-weight: 600; margin: 0 0 2px; color: #94a3b8; text-transform: uppercase; letter-spacing: .03em; }
  .value { font-size: 20px; font-weight: 700; color: #f8fafc; text-transform: none; letter-spacing: 0; }
  .legend { font-size: 11px; color: #94a3b8; min-height: 14px; }
  .legend span { margin-right: 12px; white-space: nowrap; }
  .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
  svg.chart { width: 100%; height: 170px; display: block; }
  svg.chart .grid line { stroke: #334155; stroke-width: 1; }
  svg.chart .axis text { fill: #94a3b8; font-size: 10px; }
  svg.chart .axis line { stroke: #64748b; }
  svg.chart path.series { fill: none; stroke-width: 1.75; stroke-linejoin: round; }
  svg.chart .nodata { fill: #64748b; font-size: 12px; }
  table { width: 100%; border-collapse: collapse; margin-top: 12px; background: #1e293b; border-radius: 8px; overflow: hidden; }
  th, td { text-align: right; padding: 6px 10px; border-bottom: 1px solid #334155; white-space: nowrap; }
  th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
  th { color: #94a3b8; font-weight: 600; font-size: 11px; text-transform: uppercase; }
  .up { color: #4ade80; } .down { color: #f87171; }
</style>
</head>
<body>
<header>
  <h1>memkit: live cache stats</h1>
  <span id="health" data-metric="health">–</span>
  <span id="status">connecting…</span>
</header>
<div class="grid" id="charts"></div>
<table id="servers">
  <thead><tr><th>Server</th><th>Status</th><th>Memory used</th><th>Limit</th><th>Items</th><th>Connections</th><th>Ops/s</th><th>Hit rate</th><th>Evictions/s</th></tr></thead>
  <tbody></tbody>
</table>
<script>
(function () {
  'use strict';
  var WINDOW_MS = 300000;
  var COLORS = ['#38bdf8', '#f472b6', '#a3e635', '#fbbf24', '#c084fc', '#2dd4bf', '#fb923c', '#94a3b8'];
  function fmtBytes(n) {
    if (n === null) return '–';
    var u = ['B', 'KiB', 'MiB', 'GiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(Math.round(n)) : n.toFixed(1)) + ' ' + u[i];
  }
  function fmtNum(n) {
    if (n === null) return '–';
    if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
    if (n >= 1e4) return (n / 1e3).toFixed(0) + 'k';
    if (n >= 100 || Number.isInteger(n)) return String(Math.round(n));
    return n.toFixed(n >= 10 ? 1 : 2);
  }
  function fmtMs(n) { return n === null ? '–' : n >= 100 ? n.toFixed(0) + ' ms' : n >= 1 ? n.toFixed(1) + ' ms' : n.toFixed(2) + ' ms'; }
  function fmtPct(n) { return n === null ? '–' : n.toFixed(0) + '%'; }
  function fmtTime(t) { return new Date(t).toLocaleTimeString([], { hour12: false }); }

  // name, title, unit formatter, fixed max (or null), series(samples) -> [{label, values}]
  var fleet = function (key) { return function (s) { return s[key]; }; };
  var perServer = function (key) {
    return function (samples) {
      var last = samples[samples.length - 1];
      var names = last ? last.servers.map(function (x) { return x.server; }) : [];
      return names.map(function (name) {
        return { label: name, values: samples.map(function (s) {
          var row = s.servers.filter(function (x) { return x.server === name; })[0];
          return row ? row[key] : null;
        }) };
      });
    };
  };
  var CHARTS = [
    { name: 'hitRate', title: 'Hit rate', fmt: fmtPct, max: 100,
      series: function (ss) { return [{ label: 'all servers', values: ss.map(fleet('hitRate')) }]; },
      headline: function (last) { return last.hitRate === null ? 'no traffic' : fmtPct(last.hitRate); } },
    { name: 'opsPerSec', title: 'Operations / s', fmt: fmtNum,
      series: function (ss) { return [{ label: 'all servers', values: ss.map(fleet('opsPerSec')) }]; },
      headline: function (last) { return fmtNum(last.opsPerSec); } },
    { name: 'latency', title: 'Client latency', fmt: fmtMs,
      series: function (ss) { return [{ label: 'p50', values: ss.map(fleet('p50Ms')) }, { label: 'p99', values: ss.map(fleet('p99Ms')) }]; },
      headline: function (last) { return last.p50Ms === null ? 'no calls' : 'p50 ' + fmtMs(last.p50Ms) + ' · p99 ' + fmtMs(last.p99Ms); } },
    { name: 'errors', title: 'Client errors / s', fmt: fmtNum,
      series: function (ss) { return [{ label: 'errors', values: ss.map(fleet('errorsPerSec')) }, { label: 'timeouts', values: ss.map(fleet('timeoutsPerSec')) }]; },
      headline: function (last) { return fmtNum(last.errorsPerSec) + ' (' + fmtNum(last.timeoutsPerSec) + ' timeouts)'; } },
    { name: 'bytes', title: 'Memory used', fmt: fmtBytes, series: perServer('bytes'),
      headline: function (last) { return fmtBytes(last.bytes); } },
    { name: 'items', title: 'Items', fmt: fmtNum, series: perServer('items'),
      headline: function (last) { return fmtNum(last.items); } },
    { name: 'connections', title: 'Connections', fmt: fmtNum, series: perServer('connections'),
      headline: function (last) { return fmtNum(last.servers.reduce(function (a, s) { return a + (s.connections || 0); }, 0)); } },
    { name: 'evictions', title: 'Evictions / s', fmt: fmtNum, series: perServer('evictionsPerSec'),
      headline: function (last) { return fmtNum(last.servers.reduce(function (a, s) { return a + (s.evictionsPerSec || 0); }, 0)); } }
  ];

  var grid = document.getElementById('charts');
  CHARTS.forEach(function (c) {
    var card = document.createElement('div');
    card.className = 'card';
    card.innerHTML = '<h2><span>' + c.title + '</span><span class="value" data-metric="' + c.name + '">–</span></h2>' +
      '<div class="legend"></div><svg class="chart" data-chart="' + c.name + '" role="img" aria-label="' + c.title + '"></svg>';
    grid.appendChild(card);
    c.svg = card.querySelector('svg');
    c.value = card.querySelector('.value');
    c.legend = card.querySelector('.legend');
  });

  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v))), m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function el(name, attrs, text) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function draw(c, samples) {
    var svg = c.svg;
    var W = Math.max(200, svg.clientWidth), H = Math.max(100, svg.clientHeight);
    var L = 64, R = 10, T = 8, B = 22;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.textContent = '';
    var series = c.series(samples);
    var all = [];
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null) all.push(v); }); });
    var max = c.max || niceMax(Math.max.apply(null, all.concat([0])));
    var end = samples.length ? samples[samples.length - 1].t : Date.now();
    // The data's own span, from 30 s up to five minutes, so a fresh start is not a sliver.
    var span = Math.min(WINDOW_MS, Math.max(30000, samples.length ? end - samples[0].t : 0));
    var start = end - span;
    var x = function (t) { return L + ((t - start) / span) * (W - L - R); };
    var y = function (v) { return T + (1 - v / max) * (H - T - B); };
    var g = el('g', { 'class': 'grid' }), yAxis = el('g', { 'class': 'axis y-axis' }), xAxis = el('g', { 'class': 'axis x-axis' });
    for (var i = 0; i <= 4; i++) {
      var v = (max * i) / 4;
      g.appendChild(el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      yAxis.appendChild(el('text', { x: L - 6, y: y(v) + 3, 'text-anchor': 'end' }, c.fmt(v)));
    }
    // Ticks on round times: every 5 s, 10 s, 30 s or minute, by the span shown.
    var step = span <= 30000 ? 5000 : span <= 60000 ? 10000 : span <= 150000 ? 30000 : 60000;
    var first = Math.ceil(start / step) * step;
    for (var t = first; t <= end; t += step) {
      xAxis.appendChild(el('line', { x1: x(t), x2: x(t), y1: H - B, y2: H - B + 4 }));
      // A label too close to an edge would be cut: the tick alone marks it.
      if (x(t) > L + 24 && x(t) < W - R - 24) {
        xAxis.appendChild(el('text', { x: x(t), y: H - 6, 'text-anchor': 'middle' }, fmtTime(t)));
      }
    }
    xAxis.appendChild(el('line', { x1: L, x2: W - R, y1: H - B, y2: H - B }));
    svg.appendChild(g); svg.appendChild(yAxis); svg.appendChild(xAxis);
    var points = 0, segments = 0;
    c.legend.textContent = '';
    series.forEach(function (s, si) {
      var color = COLORS[si % COLORS.length];
      var d = '', open = false, n = 0, peak = 0;
      s.values.forEach(function (v, k) {
        if (v === null) { open = false; return; }
        var px = x(samples[k].t).toFixed(1), py = y(Math.min(v, max)).toFixed(1);
        if (!open) segments++;
        d += (open ? 'L' : 'M') + px + ',' + py;
        open = true; n++; peak = Math.max(peak, v);
      });
      points += n;
      svg.appendChild(el('path', { 'class': 'series', d: d, stroke: color, 'data-series': s.label, 'data-points': String(n), 'data-peak': String(peak) }));
      if (series.length > 1 || c.name === 'hitRate') {
        var item = document.createElement('span');
        item.innerHTML = '<i style="background:' + color + '"></i>';
        item.appendChild(document.createTextNode(s.label));
        c.legend.appendChild(item);
      }
    });
    if (points === 0) {
      svg.appendChild(el('text', { 'class': 'nodata', x: (L + W - R) / 2, y: (T + H - B) / 2, 'text-anchor': 'middle' },
        c.name === 'hitRate' ? 'no gets yet' : 'no data'));
    }
    svg.setAttribute('data-points', String(points));
    svg.setAttribute('data-segments', String(segments));
    svg.setAttribute('data-max', String(max));
  }

  function renderTable(last) {
    var body = document.querySelector('#servers tbody');
    body.textContent = '';
    (last ? last.servers : []).forEach(function (s) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-server', s.server);
      tr.setAttribute('data-up', String(s.up));
      var cells = [s.server, s.up ? '✓ up' : '✗ down' + (s.error ? ' (' + s.error + ')' : ''), fmtBytes(s.bytes), fmtBytes(s.limitBytes),
        fmtNum(s.items), fmtNum(s.connections), fmtNum(s.opsPerSec), s.up ? (s.hitRate === null ? 'no gets' : fmtPct(s.hitRate)) : '–', fmtNum(s.evictionsPerSec)];
      cells.forEach(function (text, i) {
        var td = document.createElement('td');
        td.textContent = text;
        if (i === 1) td.className = s.up ? 'up' : 'down';
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  var lastData;
  function render(data) {
    lastData = data;
    var samples = data.samples;
    var last = samples[samples.length - 1];
    CHARTS.forEach(function (c) {
      draw(c, samples);
      c.value.textContent = last ? c.headline(last) : '–';
    });
    renderTable(last);
    var servers = last ? last.servers : [];
    var up = servers.filter(function (s) { return s.up; }).length;
    var health = servers.length === 0 ? '–' : up === servers.length ? 'HEALTHY' : up === 0 ? 'DOWN' : 'DEGRADED';
    var badge = document.getElementById('health');
    badge.textContent = health;
    badge.className = health;
    document.getElementById('status').textContent =
      'updated ' + fmtTime(last ? last.t : Date.now()) + ' · ' + up + '/' + servers.length + ' servers up';
  }
  function poll() {
    fetch('/dashboard/data', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(render, function (e) {
        document.getElementById('status').textContent = e.message === '401' ? 'admin token required: open the link the demo printed' : 'disconnected';
      })
      .then(function () { setTimeout(poll, 1000); });
  }
  window.addEventListener('resize', function () { if (lastData) render(lastData); });
  poll();
})();
</script>
</body>
</html>
`;
