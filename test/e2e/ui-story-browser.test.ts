import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDir } from '../../src/config';
import type { OrderEvent } from '../../src/contracts/events';
import { pipelineOrders, poisonedOrder, reachState } from '../support/blocked-order';
import { CHROMIUM, haveChromium, launchBrowser, pageShows, workflowUrl } from '../support/browser';
import { eventually } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';
import { TestPipeline } from '../support/pipeline';

// The Temporal UI tells an order's story with a worker running, in headless
// Chromium: the summary, the current details (the UI asks the worker for them)
// and a timeline whose applies and timers are named. With
// ORDERSYNC_UI_SCREENSHOTS=docs the pages are saved as the README's PNGs;
// otherwise they go to the data directory, so `npm test` leaves the tree clean.
if (!haveChromium) console.warn(`skipping the Temporal UI story test: no Chromium at ${CHROMIUM}`);

const SHOTS = process.env.ORDERSYNC_UI_SCREENSHOTS
  ? path.resolve(process.env.ORDERSYNC_UI_SCREENSHOTS)
  : path.join(dataDir(), 'screenshots');
let p: TestPipeline;
let browser: Browser | undefined;
let closeBrowser: (() => Promise<void>) | undefined;
const blocked = uniqueOrderId('SO/2025-26/B');
const normal = uniqueOrderId('SO/2025-26/N');

/** Opens one tab of the order's page, wide enough that the summaries are not cut. */
async function open(orderId: string, tab: 'history' | 'user-metadata'): Promise<Page> {
  const page = await browser!.newPage();
  // The history tab scrolls inside the page: tall enough to show the event table.
  await page.setViewport({ width: 1700, height: tab === 'history' ? 1900 : 1000 });
  await page.goto(workflowUrl(p.cfg, orderId), { waitUntil: 'networkidle2', timeout: 60_000 });
  if (tab === 'user-metadata') {
    await page.locator('::-p-text(User Metadata)').setTimeout(30_000).click();
    await page.waitForNetworkIdle({ timeout: 30_000 }).catch(() => undefined);
  }
  return page;
}

/** Saves the page; `name` is the README's file name when screenshots are asked for. */
async function shoot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

describe.skipIf(!haveChromium)("the Temporal UI tells each order's story", () => {
  beforeAll(async () => {
    p = await TestPipeline.create('uistory');
    const orders = pipelineOrders(p);
    p.start('worker');
    // A normal order whose invoice arrives first and waits for the creation.
    const [create, update, invoice] = orderHistory(normal, 1, 'store') as [
      OrderEvent,
      OrderEvent,
      OrderEvent,
    ];
    await orders.deliver(normal, 'store', [invoice]);
    await eventually(
      async () => (await orders.status(normal, 5_000)).pending.length === 1,
      120_000,
      'the invoice to wait',
    );
    await orders.deliver(normal, 'store', [create, update]);
    const [c, poisoned, inv] = poisonedOrder(blocked);
    await orders.deliver(blocked, 'online', [c, poisoned]);
    await orders.deliver(blocked, 'online', [inv]);
    await reachState(orders, normal, 'invoiced');
    await reachState(orders, blocked, 'blocked');
    ({ browser, close: closeBrowser } = await launchBrowser());
  }, 240_000);

  afterAll(async () => {
    await closeBrowser?.();
    for (const id of [blocked, normal])
      await p?.client.workflow
        .getHandle(id)
        .terminate('browser test done')
        .catch(() => undefined);
    await p?.close();
  });

  it("shows a blocked order's reason and replay command, and names its applies", async () => {
    const details = await open(blocked, 'user-metadata');
    const reason = await pageShows(details, 'InvalidOrderDataError');
    const command = await pageShows(details, `ordersync replay ${blocked}`);
    const summary = await pageShows(details, `Order ${blocked} · online`);
    const detailsShot = await shoot(details, 'ui-blocked-order-details');
    expect(reason, `no blocked reason; see ${detailsShot}`).toBe(true);
    expect(command, `no replay command; see ${detailsShot}`).toBe(true);
    expect(summary, `no summary; see ${detailsShot}`).toBe(true);
    expect(await pageShows(details, 'State: blocked')).toBe(true);

    const history = await open(blocked, 'history');
    const applied = await pageShows(history, 'apply v1 order_creation, v2 order_updation');
    const historyShot = await shoot(history, 'ui-blocked-order-history');
    expect(applied, `no apply summary on the timeline; see ${historyShot}`).toBe(true);
  }, 180_000);

  it("shows a normal order's state, snapshot and named invoice timer, and that its run closed", async () => {
    const details = await open(normal, 'user-metadata');
    const state = await pageShows(details, 'State: invoiced');
    const shot = await shoot(details, 'ui-order-details');
    expect(state, `no state; see ${shot}`).toBe(true);
    expect(await pageShows(details, 'Snapshot: v2 · last applied v3 invoice_creation')).toBe(true);

    const history = await open(normal, 'history');
    const waited = await pageShows(history, 'invoice wait 1h');
    const historyShot = await shoot(history, 'ui-order-history');
    expect(waited, `no invoice timer summary; see ${historyShot}`).toBe(true);
    expect(await pageShows(history, 'apply v1 order_creation, v2 order_updation')).toBe(true);
    // Invoiced: the run closed right after that apply, with no idle timer on its page.
    expect(await pageShows(history, 'idle close', 0)).toBe(false);
    expect((await p.client.workflow.getHandle(normal).describe()).status.name).toBe('COMPLETED');
  }, 180_000);
});
