import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecServerAnswers } from '../../src/cli/demo';
import { dataDir } from '../../src/config';
import { createTemporalClient } from '../../src/temporal/connection';
import { eventsSignal, orderSyncWorkflow } from '../../workflows/order-sync';
import { CHROMIUM, haveChromium, launchBrowser, pageShows, workflowUrl } from '../support/browser';
import { testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';

// The local Temporal UI, in headless Debian Chromium, shows an order's decrypted
// customer e-mail: the dev server's --ui-codec-endpoint points the page at the
// codec server, which `npm run infra -- up` starts. `scripts/infra.sh install`
// (and so .ci/run) installs Chromium; without it this file is skipped.
if (!haveChromium)
  console.warn(`skipping the Temporal UI browser test: no Chromium at ${CHROMIUM}`);

const { cfg, runId } = testEnv('ui');
const orderId = uniqueOrderId('UI');
const email = `ui.${runId}@marker.example`;
const codecUrl = `http://${cfg.ORDERSYNC_CODEC_LISTEN}`;
let client: Client;
let browser: Browser | undefined;
let closeBrowser: (() => Promise<void>) | undefined;

describe.skipIf(!haveChromium)('Temporal UI with the codec server, in a real browser', () => {
  beforeAll(async () => {
    if (!(await codecServerAnswers(codecUrl)))
      throw new Error(`no codec server answers at ${codecUrl}; run \`npm run infra -- up\``);
    client = await createTemporalClient(cfg);
    const events = orderHistory(orderId, 0).map((e) =>
      e.type === 'invoice_creation'
        ? e
        : { ...e, data: { ...e.data, customer: { id: 'C-UI', name: `UI ${runId}`, email } } },
    );
    // No worker polls this run's task queue: the history holds the start and the signal.
    await client.workflow.signalWithStart(orderSyncWorkflow, {
      workflowId: orderId,
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      args: [{ orderId, channel: 'online' }],
      signal: eventsSignal,
      signalArgs: [events],
    });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await client?.workflow
      .getHandle(orderId)
      .terminate('browser test done')
      .catch(() => undefined);
    await client?.connection.close();
  });

  it("shows the decoded customer e-mail in the order's event history", async () => {
    const page = await browser!.newPage();
    await page.setViewport({ width: 1400, height: 1800 });
    const decodeCalls: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().startsWith(`${codecUrl}/decode`))
        decodeCalls.push(r.url());
    });
    const url = workflowUrl(cfg, orderId);
    await page.goto(url, { waitUntil: 'networkidle2', timeout: 60_000 });
    await page.locator('::-p-text(Workflow Execution Signaled)').setTimeout(30_000).click();
    const shown = await pageShows(page, email);
    const dir = path.join(dataDir(), 'screenshots');
    mkdirSync(dir, { recursive: true });
    const shot = path.join(dir, `ui-codec-${orderId}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`Temporal UI screenshot: ${shot}`);
    expect(decodeCalls.length).toBeGreaterThan(0);
    expect(shown, `the e-mail did not appear on ${url}; see ${shot}`).toBe(true);
  }, 120_000);
});
