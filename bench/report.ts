// The benchmark's output: the console table, the per-process usage lines and the SVG chart.
import { writeFileSync } from 'node:fs';
import type {
  CeilingResult,
  CpuMsPerEvent,
  FloorResult,
  FloorRound,
  OpenWorkflowsResult,
  OrdersyncResult,
  SpreadResult,
  SteadyResult,
  SystemResult,
} from './common';
import type { ProcUsage } from './metering';
import type { PipelineFloorResult } from './systems/pipeline-floor';

export interface BenchResults {
  /** `topology`: the servers the run measured, e.g. "3 Kafka brokers, Temporal on postgres12". */
  machine: {
    cpus: number;
    node: string;
    orders: number;
    topology?: string;
    /** Where ordersync read the ERP: the simulator's change log, or a mapping through the query source. */
    source?: string;
    /** Where ordersync wrote: the built-in tables, or a target mapping. */
    target?: string;
  };
  /** The burst phase. */
  ordersync: OrdersyncResult | null;
  steady: SteadyResult | null;
  spread: SpreadResult | null;
  openWorkflows: OpenWorkflowsResult | null;
  baseline: (SystemResult & { cpuMsPerEvent: CpuMsPerEvent }) | null;
  ceiling: CeilingResult | null;
  /** The first round's floor. */
  floor: FloorResult | null;
  /** Paired ordersync burst / floor rounds; ratios.vsFloor is the median of theirs. */
  floorRounds: FloorRound[];
  /** The floor handing over by Update-with-Start instead of signalWithStart. */
  floorUpdate: FloorResult | null;
  /** The first round's pipeline floor: the whole path with the least code; ratios.vsPipelineFloor is the median of the rounds'. */
  pipelineFloor: PipelineFloorResult | null;
  ratios: {
    vsBaseline: number | null;
    vsCeiling: number | null;
    vsFloor: number | null;
    vsPipelineFloor: number | null;
  };
  targets: Record<string, string>;
}

interface Row {
  events?: number;
  wallSeconds?: number;
  eventsPerSec?: number;
  p50LagMs?: number | null;
  p95LagMs?: number | null;
  p99LagMs?: number | null;
  violations?: number;
  lost?: number;
  duplicates?: number;
  actionsPerEvent?: number | null;
}

const fmtCpu = (c: CpuMsPerEvent) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

export function printTable(r: BenchResults) {
  if (r.machine.topology) console.log(`topology: ${r.machine.topology}`);
  if (r.machine.source) console.log(`source: ${r.machine.source}; target: ${r.machine.target}`);
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
  const line = (name: string, x: Row) =>
    [
      name.padEnd(16),
      ...[
        x.events,
        x.wallSeconds,
        x.eventsPerSec,
        x.p50LagMs,
        x.p95LagMs,
        x.p99LagMs,
        x.violations,
        x.lost,
        x.duplicates,
        x.actionsPerEvent,
      ].map((v) => String(v ?? '-').padStart(10)),
    ].join(' ');
  console.log(['system'.padEnd(16), ...cols.map((c) => c.padStart(10))].join(' '));
  const rows: Array<[string, Row | null]> = [
    ['ordersync burst', r.ordersync],
    ['ordersync steady', r.steady ? { ...r.steady, wallSeconds: r.steady.durationS } : null],
    ['ordersync spread', r.spread],
    ['pf spread shape', r.spread?.pipelineFloor ?? null],
    ['baseline', r.baseline],
    ['floor', r.floor],
    ['floor (update)', r.floorUpdate],
    ['pipeline floor', r.pipelineFloor],
    ['ceiling', r.ceiling],
  ];
  for (const [name, x] of rows) if (x) console.log(line(name, x));
  console.log(
    `\nratios: ordersync/pipeline floor ${r.ratios.vsPipelineFloor ?? '-'}, ordersync/floor ${r.ratios.vsFloor ?? '-'}${r.floorRounds.length > 1 ? ` (median of ${r.floorRounds.length} rounds)` : ''}, ordersync/ceiling ${r.ratios.vsCeiling ?? '-'}, ordersync/baseline ${r.ratios.vsBaseline ?? '-'}`,
  );
  if (r.floorRounds.length) {
    console.log(
      `ordersync/floor by round: ${r.floorRounds
        .map(
          (x) =>
            `${x.round}: ${x.ordersyncEventsPerSec}/${x.floorEventsPerSec} = ${x.vsFloor}${x.vsPipelineFloor === undefined ? '' : ` (pipeline floor ${x.pipelineFloorEventsPerSec}: ${x.vsPipelineFloor})`}, ordersync ${x.violations}/${x.lost}/${x.duplicates} (ordersync idle during the floor: ${x.ordersyncIdleCpuSeconds} CPU s, ${Math.round(x.idleShareOfFloorCpu * 100)}% of the floor's)`,
        )
        .join('; ')}`,
    );
  }
  const poll = r.ordersync?.cpuMsPerEvent.poll;
  if (poll !== undefined) {
    const own = (r.ordersync!.cpuMsPerEvent.worker ?? 0) + poll;
    const floorWorker = r.pipelineFloor?.cpuMsPerEvent.worker;
    console.log(
      `poll (the query source in its own process): ${poll} ms CPU per event; worker + poll ${Math.round(own * 100) / 100}${floorWorker === undefined ? '' : ` against the pipeline floor's worker ${floorWorker} (its poll reads the copied change log)`}`,
    );
  }
  if (r.ordersync) {
    console.log(
      `burst actions per event by kind: ${fmtCpu(r.ordersync.actionsByKind)}; events per hand-over ${r.ordersync.eventsPerHandover ?? '-'}`,
    );
  }
  if (r.steady) {
    console.log(
      `steady: ${r.steady.rate} events/s for ${r.steady.durationS} s: p99 ${r.steady.p99LagMs} ms against a poll interval of ${r.steady.pollIntervalMs} ms`,
    );
  }
  if (r.spread) {
    console.log(
      `spread: ${r.spread.eventGapMs} ms between an order's events, offered up to ${r.spread.offeredRate} events/s; ${r.spread.eventsPerHandover ?? '-'} events per hand-over; actions by kind: ${fmtCpu(r.spread.actionsByKind)}`,
    );
  }
  const spf = r.spread?.pipelineFloor;
  if (r.spread && spf) {
    const w = (c: CpuMsPerEvent) => c.worker ?? '-';
    console.log(
      `spread against the pipeline floor in spread shape: actions/event ${r.spread.actionsPerEvent ?? '-'} against ${spf.actionsPerEvent ?? '-'}, worker CPU ms/event ${w(r.spread.cpuMsPerEvent)} against ${w(spf.cpuMsPerEvent)}, events per hand-over ${r.spread.eventsPerHandover ?? '-'} against ${spf.eventsPerHandover ?? '-'}; pipeline floor actions by kind: ${fmtCpu(spf.actionsByKind)}`,
    );
  }
  if (r.openWorkflows) {
    const o = r.openWorkflows;
    console.log(
      `open-workflows: ${o.workflows} opened in ${o.openSeconds} s (${o.openedPerSec}/s); burst after them ${o.eventsPerSec} events/s = ${o.vsWarm}x warm; worker peak RSS ${o.workerPeakRssMb} MB (cache ${o.maxCachedWorkflows})`,
    );
  }
  console.log('\nCPU ms per event, by process:');
  const cpuRows: Array<[string, { cpuMsPerEvent: CpuMsPerEvent } | null]> = [
    ['ordersync burst', r.ordersync],
    ['ordersync steady', r.steady],
    ['ordersync spread', r.spread],
    ['pipeline floor, spread shape', r.spread?.pipelineFloor ?? null],
    ['baseline', r.baseline],
    ['floor', r.floor],
    ['floor (update)', r.floorUpdate],
    ['pipeline floor', r.pipelineFloor],
    ['ceiling', r.ceiling],
  ];
  for (const [name, x] of cpuRows) if (x) console.log(`  ${name}: ${fmtCpu(x.cpuMsPerEvent)}`);
  console.log('\nprocess usage during each run (CPU s; peak RSS MB over the process lifetime):');
  const usage: Array<[string, ProcUsage[] | undefined]> = [
    ['ordersync burst', r.ordersync?.processes],
    ['baseline', r.baseline?.processes],
    ['floor', r.floor?.processes],
    ['floor (update)', r.floorUpdate?.processes],
    ['pipeline floor', r.pipelineFloor?.processes],
    ['ceiling', r.ceiling?.processes],
  ];
  for (const [name, procs] of usage) {
    if (procs)
      console.log(
        `  ${name}: ${procs.map((p) => `${p.name} ${p.cpuSeconds}s/${p.peakRssMb}MB`).join(', ')}`,
      );
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** One labelled horizontal bar chart, `height` tall, starting at `y`. */
function barChart(
  y: number,
  title: string,
  bars: Array<[string, number, string?]>,
  unit: string,
): { svg: string; height: number } {
  const max = Math.max(...bars.map((b) => b[1]), 1);
  const parts = [
    `<text x="10" y="${y + 16}" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  bars.forEach(([label, v, colour], i) => {
    const by = y + 28 + i * 24;
    const w = (v / max) * 420;
    parts.push(
      `<text x="10" y="${by + 13}" font-size="11">${esc(label)}</text>`,
      `<rect x="170" y="${by}" width="${w.toFixed(1)}" height="16" fill="${colour ?? '#4a78b5'}"/>`,
      `<text x="${(176 + w).toFixed(1)}" y="${by + 13}" font-size="11">${v}${unit}</text>`,
    );
  });
  return { svg: parts.join(''), height: 40 + bars.length * 24 };
}

export function writeSvg(file: string, r: BenchResults) {
  const ours = '#d9822b';
  const charts: Array<[string, Array<[string, number, string?]>, string]> = [];
  const tput: Array<[string, number, string?]> = [];
  if (r.ordersync) tput.push(['ordersync burst', r.ordersync.eventsPerSec, ours]);
  if (r.spread) tput.push(['ordersync spread', r.spread.eventsPerSec, ours]);
  if (r.pipelineFloor) tput.push(['pipeline floor', r.pipelineFloor.eventsPerSec]);
  if (r.floor) tput.push(['floor', r.floor.eventsPerSec]);
  if (r.ceiling) tput.push(['ceiling', r.ceiling.eventsPerSec]);
  if (r.baseline) tput.push(['baseline', r.baseline.eventsPerSec]);
  tput.push(['goal', 250, '#999']);
  charts.push(['Throughput (events/s)', tput, '']);
  if (r.ordersync) {
    const cpu = r.ordersync.cpuMsPerEvent;
    charts.push([
      'ordersync burst: CPU ms per event, by process',
      Object.entries(cpu).map(([k, v]) => [
        k,
        v,
        k === 'worker' || k === 'consumer' ? ours : undefined,
      ]),
      ' ms',
    ]);
    charts.push([
      'ordersync burst: Temporal actions per event, by kind',
      Object.entries(r.ordersync.actionsByKind)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => [k, v, ours]),
      '',
    ]);
  }
  if (r.steady) {
    charts.push([
      `ordersync steady at ${r.steady.rate} events/s: ERP commit to apply (ms)`,
      [
        ['p50', r.steady.p50LagMs, ours],
        ['p95', r.steady.p95LagMs, ours],
        ['p99', r.steady.p99LagMs, ours],
        ['goal: poll + 1 s', r.steady.pollIntervalMs + 1000, '#999'],
      ],
      '',
    ]);
  }
  let y = 0;
  const body: string[] = [];
  for (const [title, bars, unit] of charts) {
    const c = barChart(y, title, bars, unit);
    body.push(c.svg);
    y += c.height + 10;
  }
  writeFileSync(
    file,
    `<svg xmlns="http://www.w3.org/2000/svg" width="680" height="${y}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>${body.join('')}</svg>\n`,
  );
}
