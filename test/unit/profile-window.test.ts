import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WINDOWS_FILE, cutToWindows, phaseWindows, summarise } from '../../bench/profile-summary';
import type { CpuProfile, Window } from '../../bench/profile-summary';

const frame = (functionName: string) => ({ functionName, url: '/app/x.js', lineNumber: 0 });

describe('cutToWindows', () => {
  // Samples at 1,000 + 1, 3, 6, 10, 15, 21, 28, 36, 45, 55 µs (deltas 1 to 10):
  // node 2 for the first five, node 3 after.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3] },
      { id: 2, callFrame: frame('startUp') },
      { id: 3, callFrame: frame('apply') },
    ],
    startTime: 1_000,
    samples: [2, 2, 2, 2, 2, 3, 3, 3, 3, 3],
    timeDeltas: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  };

  it('keeps only the samples inside a window, each with its own delta', () => {
    const cut = cutToWindows(profile, [{ label: 'burst', startUs: 1_016, endUs: 1_036 }]);
    expect(cut.samples).toEqual([3, 3, 3]);
    expect(cut.timeDeltas).toEqual([6, 7, 8]);
    const s = summarise('p', cut, 5);
    expect(s.topFunctions.map((f) => f.name)).toEqual(['apply x.js:1']);
    expect(s.totalMs).toBeCloseTo(0.021);
  });

  it('joins several windows and keeps the samples on their edges', () => {
    const cut = cutToWindows(profile, [
      { label: 'a', startUs: 1_003, endUs: 1_003 },
      { label: 'b', startUs: 1_045, endUs: 1_200 },
    ]);
    expect(cut.samples).toEqual([2, 3, 3]);
    expect(cut.timeDeltas).toEqual([2, 9, 10]);
  });
});

describe('phaseWindows', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ordersync-windows-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const windows: Window[] = [
    { label: 'burst', startUs: 1, endUs: 2 },
    { label: 'floor (signal)', startUs: 3, endUs: 4 },
    { label: 'burst round 2', startUs: 5, endUs: 6 },
  ];
  writeFileSync(path.join(dir, WINDOWS_FILE), JSON.stringify(windows));
  mkdirSync(path.join(dir, 'worker-1'));

  it('reads the labels asked for, exactly, from DIR or from a process sub-directory of it', () => {
    expect(phaseWindows(dir, 'burst')).toEqual([windows[0]]);
    expect(phaseWindows(path.join(dir, 'worker-1'), 'burst, burst round 2')).toEqual([
      windows[0],
      windows[2],
    ]);
  });

  it('names an unknown label and the labels there are', () => {
    expect(() => phaseWindows(dir, 'burst,spread')).toThrow(
      /no metered window labelled spread in .*; it has: burst, floor \(signal\), burst round 2/,
    );
  });

  it('says where the file comes from when there is none', () => {
    const empty = path.join(dir, 'empty', 'worker-1');
    mkdirSync(empty, { recursive: true });
    expect(() => phaseWindows(empty, 'burst')).toThrow(/--cpu-prof DIR writes it/);
  });
});

describe('cutToWindows on a real V8 profile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ordersync-prof-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('cuts to a window taken from process.hrtime in the profiled process', () => {
    // Two busy loops in two functions (each its own self time); the window covers the second only.
    const script = path.join(dir, 'busy.js');
    writeFileSync(
      script,
      `const us = () => Number(process.hrtime.bigint() / 1000n);
function outsideWindow() { let x = 0; const end = Date.now() + 300; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }
function insideWindow() { let x = 0; const end = Date.now() + 300; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }
outsideWindow();
const startUs = us();
insideWindow();
require('fs').writeFileSync(process.argv[2], JSON.stringify({ label: 'w', startUs, endUs: us() }));
`,
    );
    const windowFile = path.join(dir, 'window.json');
    execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, script, windowFile]);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const window = JSON.parse(readFileSync(windowFile, 'utf8')) as Window;
    const names = (p: CpuProfile) =>
      summarise('p', p, 20).topFunctions.map((f) => f.name.split(' ')[0]);

    expect(names(profile)).toEqual(expect.arrayContaining(['outsideWindow', 'insideWindow']));
    const cut = summarise('p', cutToWindows(profile, [window]), 20);
    expect(cut.topFunctions[0]?.name).toMatch(/^insideWindow /);
    expect(cut.topFunctions.some((f) => f.name.startsWith('outsideWindow '))).toBe(false);
    // About the 300 ms the window held, not the 600 of both loops (wide bounds: a
    // loaded machine delays the sampler).
    expect(cut.totalMs).toBeGreaterThan(100);
    expect(cut.totalMs).toBeLessThan(500);
  });
});
