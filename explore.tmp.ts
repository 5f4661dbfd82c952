import { writeFileSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { pipelineOrders, poisonedOrder, reachState } from './test/support/blocked-order';
import { uniqueOrderId, orderHistory } from './test/support/order-events';
import { TestPipeline } from './test/support/pipeline';

async function main() {
  const p = await TestPipeline.create('explore');
  const orders = pipelineOrders(p);
  const worker = p.start('worker');
  const blocked = uniqueOrderId('UIB');
  const [c, poisoned, inv] = poisonedOrder(blocked);
  await orders.deliver(blocked, 'store', [c, poisoned]);
  await orders.deliver(blocked, 'store', [inv]);
  const good = uniqueOrderId('UIN');
  await orders.deliver(good, 'online', orderHistory(good, 1));
  await reachState(orders, blocked, 'blocked');
  await reachState(orders, good, 'invoiced');
  const browser = await puppeteer.launch({ executablePath: '/usr/lib/chromium/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--user-data-dir=/tmp/ui-probe/profile'] });
  for (const id of [blocked, good]) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1600 });
    const url = `${p.cfg.ORDERSYNC_TEMPORAL_UI_URL}/namespaces/${p.cfg.ORDERSYNC_TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(id)}`;
    await page.goto(url, { waitUntil: 'networkidle2', timeout: 60_000 });
    await new Promise((r) => setTimeout(r, 3000));
    const text = await page.evaluate(() => (globalThis as any).document.body.innerText as string);
    writeFileSync(`/tmp/ui-probe/${id}.txt`, text);
    const html = await page.evaluate(() => (globalThis as any).document.body.innerHTML as string);
    writeFileSync(`/tmp/ui-probe/${id}.html`, html);
    await page.screenshot({ path: `/tmp/ui-probe/${id}.png`, fullPage: true });
    console.log(url);
  }
  const list = await browser.newPage();
  await list.setViewport({ width: 1400, height: 1000 });
  await list.goto(`${p.cfg.ORDERSYNC_TEMPORAL_UI_URL}/namespaces/${p.cfg.ORDERSYNC_TEMPORAL_NAMESPACE}/workflows?query=${encodeURIComponent(`TaskQueue="${p.cfg.ORDERSYNC_TASK_QUEUE}"`)}`, { waitUntil: 'networkidle2', timeout: 60_000 });
  await new Promise((r) => setTimeout(r, 3000));
  writeFileSync('/tmp/ui-probe/list.txt', await list.evaluate(() => (globalThis as any).document.body.innerText as string));
  await list.screenshot({ path: '/tmp/ui-probe/list.png' });
  await browser.close();
  for (const id of [blocked, good]) await p.client.workflow.getHandle(id).terminate('explore').catch(() => undefined);
  await p.stop(worker);
  await p.close();
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
