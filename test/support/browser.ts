import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';
import type { Config } from '../../src/config';

/**
 * Headless Debian Chromium for the Temporal UI tests. `scripts/infra.sh install`
 * (and so .ci/run) installs it; the launcher script fails on this machine kind,
 * so the binary is started directly.
 */
export const CHROMIUM = process.env.ORDERSYNC_CHROMIUM ?? '/usr/lib/chromium/chromium';
export const haveChromium = existsSync(CHROMIUM);

/** The page's globals, typed here because the project compiles without the DOM library. */
interface PageGlobals {
  document: { body: { innerText: string } | null };
}

/** A browser with its own throw-away profile; `close` removes both. */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'ordersync-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--disable-gpu',
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The UI page of a workflow (its latest run). */
export const workflowUrl = (cfg: Config, workflowId: string): string =>
  `${cfg.ORDERSYNC_TEMPORAL_UI_URL}/namespaces/${cfg.ORDERSYNC_TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`;

/**
 * The visible text of the page and of every frame in it: the UI renders
 * markdown (the summary and current details) in sandboxed frames.
 */
export async function pageText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page
      .frames()
      .map((f) =>
        f
          .evaluate(() => (globalThis as unknown as PageGlobals).document.body?.innerText ?? '')
          .catch(() => ''),
      ),
  );
  return texts.join('\n');
}

/** Whether the page's visible text, frames included, comes to include `text` within `timeoutMs`. */
export async function pageShows(page: Page, text: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await pageText(page)).includes(text)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}
