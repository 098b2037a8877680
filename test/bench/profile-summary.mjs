#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof) as the functions with the most self time.
// Usage: node test/bench/profile-summary.mjs <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * Self time per function (name + file + line), in milliseconds, biggest first.
 * @param {{nodes: {id: number, callFrame: {functionName: string, url: string, lineNumber: number}}[], samples: number[], timeDeltas: number[]}} profile
 */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    const f = node.callFrame;
    const where = f.url
      ? `${relative(process.cwd(), f.url.replace(/^file:\/\//, ''))}:${f.lineNumber + 1}`
      : '';
    const key = `${f.functionName || '(anonymous)'}  ${where}`.trim();
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
    totalUs += dt;
  }
  const rows = [...selfUs].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: totalUs / 1000,
    rows: rows.map(([fn, us]) => ({ fn, ms: us / 1000, pct: (100 * us) / totalUs })),
  };
}

/** Formats the top rows as a fixed-width table. */
export function formatSummary(summary, top = 25) {
  const lines = [`total sampled: ${summary.totalMs.toFixed(0)} ms`, '   self ms      %  function'];
  for (const r of summary.rows.slice(0, top)) {
    lines.push(`${r.ms.toFixed(1).padStart(9)} ${r.pct.toFixed(1).padStart(6)}  ${r.fn}`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: profile-summary.mjs <file.cpuprofile> [top]\n');
    process.exit(64);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  process.stdout.write(`${formatSummary(selfTimes(profile), Number(process.argv[3] ?? 25))}\n`);
}
