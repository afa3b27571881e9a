// Browser end-to-end helpers: the real renderer, served by the real control server of a real
// Gateway (main/gateway.ts) that talks to the WhatsApp simulator through the unmodified Baileys,
// driven by Debian's Chromium. Everything started here is stopped by the returned close().
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { gatewayHarness, FAST, type GatewayHarness } from '../gateway/helpers.ts';
import { readToken } from '../../main/control/discovery.ts';
import type { LogLine } from '../../main/control/contract.ts';
import type { GatewayOptions } from '../../main/gateway.ts';
import { buildRenderer } from '../ui/helpers.ts';

// jsqr and pngjs ship CommonJS without types; one function each is used.
const require = createRequire(import.meta.url);
const jsQR = require('jsqr') as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const { PNG } = require('pngjs') as { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } } };

const root = new URL('../..', import.meta.url).pathname;

/**
 * The harness' short timings, with a liveness window a loaded CI machine (Chromium rendering
 * next to the gateway on two cores) does not trip by accident: a spurious reconnect would flip
 * "Connected" under the test for reasons that have nothing to do with what it checks.
 */
export const E2E_TIMINGS = { ...FAST, keepAliveIntervalMs: 1_000, livenessWindowMs: 6_000, heartbeatMs: 10_000 };

/**
 * Every hook and test here ends within this or fails: a stuck step (a promise nobody settles)
 * must fail the run with its name rather than hang CI. Not a speed limit; a run takes seconds.
 */
export const HANG_GUARD_MS = 120_000;

export interface RealStack {
  h: GatewayHarness;
  /** `clawline dashboard`'s link: the control server's address with the token in the fragment. */
  dashboardUrl: string;
  token: string;
  close(): Promise<void>;
}

/**
 * Builds the renderer, starts the simulator and a Gateway whose control server serves that
 * renderer, and reads the token the gateway wrote to its state dir (as the CLI does).
 */
export async function startRealStack(opts: { config?: string; gateway?: Partial<GatewayOptions> } = {}): Promise<RealStack> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const close = async () => { for (const fn of cleanups.splice(0).reverse()) await fn(); };
  try {
    const renderer = await buildRenderer();
    cleanups.push(() => renderer.close());
    const h = await gatewayHarness({ after: (fn) => { cleanups.push(fn); } }, {
      config: opts.config,
      gateway: { timings: E2E_TIMINGS, ...opts.gateway, control: { port: 0, rendererDir: renderer.dir } },
    });
    const token = await readToken(h.stateDir);
    assert.ok(token, 'the gateway wrote its control token');
    assert.ok(h.gateway.controlUrl, 'the control server runs');
    return { h, token, dashboardUrl: `${h.gateway.controlUrl}/#token=${token}`, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Polls `fn` until it is true; fails naming `what`. For page state, where no event exists. */
export async function until(fn: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function decodePng(png: Buffer): string | undefined {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data ?? undefined;
}

/**
 * Reads the QR code off the screen, as the phone's camera would: a screenshot of the QR
 * picture, else of the whole window, else of the picture drawn larger (a zoomed-in camera).
 */
export async function readQrFromScreen(page: Page): Promise<string> {
  const img = page.locator('img.qr-img[src^="data:image/png"]');
  await img.waitFor();
  const attempts: Array<() => Promise<Buffer>> = [
    () => img.screenshot(),
    () => page.screenshot(),
    async () => {
      // CSSOM changes are not inline styles in markup, so the page's CSP allows them.
      await img.evaluate((el: HTMLImageElement) => { el.style.width = '640px'; el.style.height = '640px'; });
      try { return await img.screenshot(); } finally { await img.evaluate((el: HTMLImageElement) => { el.style.width = ''; el.style.height = ''; }); }
    },
  ];
  for (const attempt of attempts) {
    const text = decodePng(await attempt());
    if (text) return text;
  }
  assert.fail('the QR code on the screen could not be read');
}

/**
 * Reads the QR off the screen and hands it to the simulated phone. The screen may be showing
 * a code that just rotated; the phone then says so, and the person tries the new one.
 */
export async function scanQrOnScreen(page: Page, stack: RealStack, phone?: string): Promise<{ device: string; qr: string }> {
  let lastError = '';
  for (let i = 0; i < 3; i++) {
    const qr = await readQrFromScreen(page);
    try {
      const result = await stack.h.sim.phone.scan(qr, phone ? { phone } : {});
      if (result.outcome === 'linked') return { device: result.device!, qr };
      lastError = result.error ?? result.outcome;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await until(async () => (await readQrFromScreen(page)) !== qr, 'a fresh QR code', 25_000);
  }
  assert.fail(`the phone could not link with the QR on the screen: ${lastError}`);
}

/** Resolves with the first gateway log line (as the window receives it) matching `match`. */
export function nextLogLine(stack: RealStack, match: (l: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no matching gateway log line within ${timeoutMs} ms`)); }, timeoutMs);
    const off = stack.h.gateway.subscribe((event, payload) => {
      if (event === 'log' && match(payload as LogLine)) { clearTimeout(timer); off(); resolve(payload as LogLine); }
    });
  });
}

/** Where screenshots go: docs/screenshots with CLAWLINE_SCREENSHOTS=1, else a temp dir. */
export async function screenshotDir(): Promise<{ dir: string; close(): Promise<void> }> {
  if (process.env.CLAWLINE_SCREENSHOTS === '1') {
    const dir = join(root, 'docs/screenshots');
    await mkdir(dir, { recursive: true });
    return { dir, close: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'clawline-e2e-shots-'));
  return { dir, close: () => rm(dir, { recursive: true, force: true }) };
}

/** What has the keyboard focus: tag, text and (for inputs) type. */
export const focusedText = (page: Page) => page.evaluate(() => {
  const a = document.activeElement as HTMLElement | null;
  return { tag: a?.tagName ?? '', text: (a?.textContent ?? '').trim(), type: (a as HTMLInputElement | null)?.type ?? '' };
});

/** Presses Tab (Shift+Tab with `back`) until the focused element matches; fails after `max` presses. */
export async function tabTo(page: Page, match: (el: { tag: string; text: string; type: string }) => boolean, what: string, opts: { back?: boolean; max?: number } = {}): Promise<void> {
  for (let i = 0; i < (opts.max ?? 80); i++) {
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
    if (match(await focusedText(page))) return;
  }
  assert.fail(`${what} was not reachable with Tab`);
}
