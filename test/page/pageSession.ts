/** What every page test shares: Chromium launched the same way, a context that never leaves 127.0.0.1, the page loaded. */
import type { Browser, BrowserContext, BrowserContextOptions, Page, Request } from 'playwright-core';
import { chromium } from 'playwright-core';
import { findBrowser } from '../fixtures/findBrowser';

/** How long a page step may wait: generous, the machine may be loaded. */
export const UI_TIMEOUT_MS = 15_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The browser findBrowser names, headless and quiet. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findBrowser().path, args: CHROMIUM_ARGS });
}

/** Waits until the page has finished its last action and list reload. */
export async function idle(page: Page): Promise<void> {
  await page.locator('main[aria-busy="false"]').waitFor();
}

/**
 * A fresh context on `url` with the page loaded and idle. Every request to another host is aborted (and passed to
 * `onForeign`, for a test that asserts there are none).
 */
export async function openPage(
  browser: Browser,
  url: string,
  { contextOptions = {}, onForeign }: { contextOptions?: BrowserContextOptions; onForeign?: (request: Request) => void } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(contextOptions);
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  await context.route('**/*', (route) => {
    const request = route.request();
    if (new URL(request.url()).hostname === '127.0.0.1') return route.continue();
    onForeign?.(request);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  await page.goto(url);
  await idle(page);
  return { context, page };
}
