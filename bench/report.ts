// The benchmark's output: the console table, the per-process usage lines and the SVG chart.
import { writeFileSync } from 'node:fs';
import type { CeilingResult, SystemResult } from './common';

export interface BenchResults {
  ordersync: SystemResult;
  baseline: SystemResult;
  ceiling: CeilingResult;
  ratios: { vsBaseline: number; vsCeiling: number };
}

export function printTable(results: BenchResults) {
  const cols = [
    'events',
    'wall s',
    'events/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'violations',
    'lost',
    'dup',
    'actions/event',
  ];
  const line = (name: string, r: Partial<SystemResult>) =>
    [
      name.padEnd(10),
      ...[
        r.events,
        r.wallSeconds,
        r.eventsPerSec,
        r.p50LagMs,
        r.p95LagMs,
        r.p99LagMs,
        r.violations,
        r.lost,
        r.duplicates,
        r.actionsPerEvent,
      ].map((v) => String(v ?? '-').padStart(cols[0]!.length + 4)),
    ].join(' ');
  console.log(['system'.padEnd(10), ...cols.map((c) => c.padStart(10))].join(' '));
  console.log(line('ordersync', results.ordersync));
  console.log(line('baseline', results.baseline));
  console.log(line('ceiling', results.ceiling));
  console.log(
    `\nratios: ordersync/baseline ${results.ratios.vsBaseline}, ordersync/ceiling ${results.ratios.vsCeiling}`,
  );
  console.log('\nprocess usage during each run (CPU s; peak RSS MB over the process lifetime):');
  for (const [name, r] of [
    ['ordersync', results.ordersync.processes],
    ['baseline', results.baseline.processes],
    ['ceiling', results.ceiling.processes],
  ] as const) {
    console.log(
      `  ${name}: ${r.map((p) => `${p.name} ${p.cpuSeconds}s/${p.peakRssMb}MB`).join(', ')}`,
    );
  }
}

export function writeSvg(file: string, r: BenchResults) {
  const bars = [
    ['ordersync', r.ordersync.eventsPerSec],
    ['baseline', r.baseline.eventsPerSec],
    ['ceiling', r.ceiling.eventsPerSec],
  ] as const;
  const lat = [
    ['ordersync p50', r.ordersync.p50LagMs],
    ['ordersync p95', r.ordersync.p95LagMs],
    ['ordersync p99', r.ordersync.p99LagMs],
  ] as const;
  const maxT = Math.max(...bars.map((b) => b[1]), 1);
  const maxL = Math.max(...lat.map((b) => b[1] ?? 0), 1);
  const bar = (x: number, i: number, label: string, v: number, max: number, unit: string) => {
    const h = (v / max) * 220;
    return `<rect x="${x + i * 70}" y="${260 - h}" width="50" height="${h}" fill="#4a78b5"/><text x="${x + i * 70 + 25}" y="${255 - h}" font-size="11" text-anchor="middle">${v}${unit}</text><text x="${x + i * 70 + 25}" y="278" font-size="10" text-anchor="middle">${label}</text>`;
  };
  const body = [
    '<text x="20" y="20" font-size="14">Throughput (events/s)</text>',
    ...bars.map((b, i) => bar(20, i, b[0], b[1], maxT, '')),
    '<text x="280" y="20" font-size="14">ordersync latency, ERP commit to apply (ms)</text>',
    ...lat.map((b, i) => bar(280, i, b[0], b[1] ?? 0, maxL, '')),
  ].join('');
  writeFileSync(
    file,
    `<svg xmlns="http://www.w3.org/2000/svg" width="580" height="300" font-family="sans-serif">${body}</svg>\n`,
  );
}
