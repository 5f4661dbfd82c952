import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../src/temporal/workflow-bundle';
import { historyDataConverter } from '../histories/data-converter';
import { decodeHistory } from '../histories/history-file';
import type { HistoryFile } from '../histories/history-file';

// Histories recorded from real runs (test/histories/record.ts) replayed against
// the workflow code as it is now: a change that would break running workflows
// fails here. Needs no server. After a deliberate, versioned change, re-record
// with `npm run record-histories`.
const DIR = path.join(__dirname, '..', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const load = (f: string) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as HistoryFile;
// Histories recorded by an earlier release, kept as runs of that release may
// still be open when a new worker takes over; the change must keep them
// replaying (an option in their input, or a patch). One folder per change, named after it.
const EARLIER = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(path.join(DIR, d.name))
      .filter((f) => f.endsWith('.json'))
      .map((f) => path.join(d.name, f)),
  );

describe('recorded workflow histories', () => {
  it('cover a normal order, a waiting invoice, continue-as-new and a blocked-then-replayed order', () => {
    const names = files.map((f) => f.replace(/\.json$/, ''));
    expect(names).toEqual(
      expect.arrayContaining([
        'normal-order',
        'invoice-waited',
        'continue-as-new-run1',
        'continue-as-new-run2',
        'blocked-then-replayed',
      ]),
    );
  });

  it('include those of the release before one idle timer per run', () => {
    expect(EARLIER.filter((f) => f.startsWith('before-one-idle-timer')).length).toBe(6);
  });

  it('include those of the release before the attention state and closing invoiced runs', () => {
    expect(EARLIER.filter((f) => f.startsWith('before-attention-state')).length).toBe(5);
  });

  it('include those of the release before fewer promises per order (they take the old code paths)', () => {
    expect(EARLIER.filter((f) => f.startsWith('before-fewer-promises')).length).toBe(5);
  });

  it('include those of the release before resumable runs and checked signals (they take the old code paths)', () => {
    expect(EARLIER.filter((f) => f.startsWith('before-resumable-runs')).length).toBe(6);
  });

  it('replay deterministically against the current workflow code', async () => {
    // The worker's own bundle: the same failure converter the recorder used, modules preloaded.
    const bundle = { code: await bundleWorkflows() };
    const histories = [...files, ...EARLIER].map((f) => decodeHistory(load(f)));
    const failures: string[] = [];
    let replayed = 0;
    for await (const r of Worker.runReplayHistories(
      { workflowBundle: bundle, dataConverter: historyDataConverter },
      histories,
    )) {
      replayed++;
      if (r.error) failures.push(`${r.workflowId}/${r.runId}: ${r.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length + EARLIER.length);
  }, 60_000);
});
