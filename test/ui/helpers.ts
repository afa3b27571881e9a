// Browser test helpers: Debian's Chromium through playwright-core, the renderer built into a
// temp dir, the loopback control server in front of any ControlHandler (the test fixture here,
// the real gateway in end-to-end tests), page objects for the window, an axe-core scan and a CSP
// violation watcher. Everything started here has a close() that stops it.
import { chromium, type Browser as PlaywrightBrowser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { build } from 'esbuild';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startControlServer } from '../../main/control/server.ts';
import type { ControlHandler } from '../../main/control/contract.ts';

const root = new URL('../..', import.meta.url).pathname;

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--force-color-profile=srgb', '--font-render-hinting=none'];

export interface Browser {
  browser: PlaywrightBrowser;
  /** A fresh context (own storage, own clock) with the window-like defaults below. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

export const CONTEXT_DEFAULTS: BrowserContextOptions = {
  viewport: { width: 1200, height: 860 },
  deviceScaleFactor: 1,
  locale: 'en-GB',
  timezoneId: 'UTC',
  reducedMotion: 'reduce',
};

/**
 * Debian's Chromium, headless. Playwright starts it with a fresh temporary user-data-dir and
 * removes it on close; each window gets its own context, so clocks and storage never leak
 * between tests (page.clock acts on the whole context).
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  return {
    browser,
    newContext: (options = {}) => browser.newContext({ ...CONTEXT_DEFAULTS, ...options }),
    close: () => browser.close(),
  };
}

/**
 * Builds the renderer like scripts/build.mjs does, but into a temp dir, so tests never race
 * with a concurrent `npm run build` that empties dist/. Returns the directory.
 */
export async function buildRenderer(): Promise<{ dir: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'clawline-renderer-'));
  await build({
    absWorkingDir: root, entryPoints: ['renderer/app.ts'], outfile: join(dir, 'app.js'),
    bundle: true, sourcemap: true, platform: 'browser', format: 'esm', target: 'chrome120', logLevel: 'error',
  });
  await cp(join(root, 'renderer/static'), dir, { recursive: true });
  return { dir, close: () => rm(dir, { recursive: true, force: true }) };
}

export interface ServedWindow {
  url: string;
  /** The dashboard link as `clawline dashboard` prints it: the token rides in the fragment. */
  dashboardUrl: string;
  token: string;
  close(): Promise<void>;
}

/** Serves the renderer and the API for `handler` on 127.0.0.1 with the lead's control server. */
export async function serveWindow(handler: ControlHandler, rendererDir: string): Promise<ServedWindow> {
  const token = randomBytes(24).toString('base64url');
  const server = await startControlServer({ handler, token, rendererDir });
  return { url: server.url, dashboardUrl: `${server.url}/#token=${token}`, token, close: () => server.close() };
}

/** Records CSP violations reported by the page (inline script/style, foreign hosts). */
export function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (m) => { if (/Content[ -]Security[ -]Policy/i.test(m.text())) violations.push(m.text()); });
  page.on('pageerror', (e) => { violations.push(`page error: ${e.stack ?? e.message}`); });
  return violations;
}

let axeSource: string | undefined;
export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[]; html: string; failureSummary?: string }[] }

/**
 * Runs axe-core in the page. page.evaluate goes through the DevTools protocol, which is not
 * subject to the page's CSP (a <script> tag would be, correctly, refused).
 */
export async function axeScan(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })) }));
  });
  return result;
}

export function seriousViolations(vs: AxeViolation[]): AxeViolation[] {
  return vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function describeViolations(vs: AxeViolation[]): string {
  return vs.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 4).map((n) => `   ${n.target.join(' ')} ${n.failureSummary ?? ''}`).join('\n')}`).join('\n');
}

export type ScreenName = 'Home' | 'Link WhatsApp' | 'Requests' | 'Settings' | 'Logs' | 'Doctor' | 'Reset';

/** Page object for the Clawline window, shared by the UI tests and the end-to-end tests. */
export class ClawlineWindow {
  constructor(readonly page: Page) {}

  /**
   * Opens the dashboard link in a new context of `browser`. `clockAt` installs a controllable
   * clock (page.clock.pauseAt / fastForward move it); `fixedTime` freezes Date.now (screenshots).
   */
  static async open(browser: Browser, dashboardUrl: string, opts: { colorScheme?: 'light' | 'dark'; clockAt?: number; fixedTime?: number; viewport?: { width: number; height: number } } = {}): Promise<ClawlineWindow> {
    const context = await browser.newContext({ colorScheme: opts.colorScheme ?? 'light', ...(opts.viewport ? { viewport: opts.viewport } : {}) });
    if (opts.clockAt !== undefined) await context.clock.install({ time: opts.clockAt });
    if (opts.fixedTime !== undefined) await context.clock.setFixedTime(opts.fixedTime);
    const page = await context.newPage();
    await page.goto(dashboardUrl);
    const w = new ClawlineWindow(page);
    await w.page.locator('main h1').first().waitFor();
    return w;
  }

  /** Closes the window and its context. */
  async close(): Promise<void> {
    await this.page.context().close();
  }

  /** Stops the page's clock on the next whole second; returns that time (needs `clockAt`). */
  async pauseOnWholeSecond(): Promise<number> {
    const now = await this.page.evaluate(() => Date.now());
    const at = Math.ceil((now + 1) / 1000) * 1000;
    await this.page.clock.pauseAt(at);
    return at;
  }

  /** Goes to a route (e.g. "link?method=code") and waits for its heading. */
  async goto(route: string): Promise<void> {
    await this.page.evaluate((r) => { location.hash = `#/${r}`; }, route);
    await this.page.locator('main h1').first().waitFor();
  }

  async nav(name: ScreenName): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}`) }).click();
    await this.page.locator('main h1').first().waitFor();
  }

  heading(): Locator { return this.page.locator('main h1').first(); }
  overallStatus(): Locator { return this.page.locator('.app-header .overall .pill-text'); }
  accountCard(accountId = 'default'): Locator { return this.page.locator(`.account-card[data-account="${accountId}"]`); }
  accountState(accountId = 'default'): Locator { return this.accountCard(accountId).locator('.account-state .pill-text'); }
  fixButton(accountId = 'default'): Locator { return this.accountCard(accountId).locator('button[data-fix]'); }
  requestsBadge(): Locator { return this.page.locator('.app-nav .badge'); }

  qrImage(): Locator { return this.page.locator('img.qr-img'); }
  qrCountdown(): Locator { return this.page.locator('.countdown'); }
  stall(): Locator { return this.page.locator('.stall .notice'); }
  pairCode(): Locator { return this.page.locator('.pair-code'); }

  async linkWithPhone(number: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Link with phone number instead' }).first().click();
    await this.page.getByLabel('Phone number of the WhatsApp account').fill(number);
    await this.page.getByRole('button', { name: 'Get my code' }).click();
  }

  request(text: string): Locator { return this.page.locator('li.request', { hasText: text }); }

  async approve(text: string, opts: { notify?: boolean } = {}): Promise<void> {
    const row = this.request(text);
    await row.getByRole('checkbox', { name: 'Tell them they’re approved' }).setChecked(opts.notify ?? true);
    await row.getByRole('button', { name: 'Approve' }).click();
    await row.waitFor({ state: 'detached' });
  }

  async dismiss(text: string): Promise<void> {
    const row = this.request(text);
    await row.getByRole('button', { name: 'Dismiss' }).click();
    await row.waitFor({ state: 'detached' });
  }

  /** The inline error shown next to a labelled settings control. */
  async fieldError(control: Locator): Promise<string> {
    const ids = (await control.getAttribute('aria-describedby')) ?? '';
    for (const id of ids.split(/\s+/).filter(Boolean)) {
      const el = this.page.locator(`[id="${id}"].field-error`);
      if (await el.count() && await el.isVisible()) return (await el.textContent()) ?? '';
    }
    return '';
  }

  /** Waits for the doctor's ladder to settle; returns each step's state words. */
  async doctorSteps(): Promise<string[]> {
    await this.page.locator('.ladder-step.state-running').waitFor({ state: 'detached' }).catch(() => {});
    await this.page.locator('[data-action="rerun"]:not([disabled])').waitFor();
    return this.page.locator('.ladder-step .step-state').allTextContents();
  }
}
