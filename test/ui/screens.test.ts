// Every screen renders in real Chromium, in light and dark, with no CSP violation and no serious
// or critical axe-core finding; each is photographed (docs/screenshots/ when
// CLAWLINE_SCREENSHOTS=1, else a temp dir) and readable at 200 % zoom without sideways scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixtureGateway, T0, type Scenario } from './fixture-gateway.ts';
import { ClawlineWindow, axeScan, buildRenderer, describeViolations, launchBrowser, seriousViolations, serveWindow, watchCsp, type Browser, type ServedWindow } from './helpers.ts';

const root = new URL('../..', import.meta.url).pathname;
const MIN = 60_000;

interface Shot {
  name: string;
  scenario: Scenario;
  route: string;
  heading: RegExp;
  /** Something that shows the screen finished loading its data. */
  ready?: string;
}

const SHOTS: Shot[] = [
  { name: 'home', scenario: 'connected', route: 'home', heading: /^Home$/, ready: '.account-card' },
  { name: 'home-reconnecting', scenario: 'reconnecting', route: 'home', heading: /^Home$/, ready: 'button[data-fix="reconnect-now"]' },
  { name: 'home-logged-out', scenario: 'logged-out', route: 'home', heading: /^Home$/, ready: 'button[data-fix="relink"]' },
  { name: 'setup', scenario: 'not-linked', route: 'setup', heading: /^Set up Clawline/ },
  { name: 'link-qr', scenario: 'linking-qr', route: 'link', heading: /^Link WhatsApp$/, ready: 'img.qr-img[src^="data:image/png"]' },
  { name: 'link-code', scenario: 'linking-code', route: 'link', heading: /^Link WhatsApp$/, ready: '.pair-code' },
  { name: 'link-passkey', scenario: 'stall-passkey', route: 'link', heading: /^Link WhatsApp$/, ready: '.stall .notice' },
  { name: 'requests', scenario: 'connected', route: 'requests', heading: /^Requests$/, ready: 'li.request' },
  { name: 'settings', scenario: 'connected', route: 'settings', heading: /^Settings$/, ready: '.chip' },
  { name: 'logs', scenario: 'connected', route: 'logs', heading: /^Logs$/, ready: '.log-line' },
  { name: 'doctor', scenario: 'connected', route: 'doctor', heading: /^Doctor$/, ready: '[data-action="rerun"]:not([disabled])' },
  { name: 'reset', scenario: 'connected', route: 'reset', heading: /^Reset$/ },
];

let browser: Browser;
let renderer: { dir: string; close(): Promise<void> };
let served: ServedWindow;
let fixture: FixtureGateway;
let shotsDir: string;
let tempShots: string | undefined;

before(async () => {
  fixture = new FixtureGateway();
  await fixture.prepareQrs();
  fixture.addRequest({ code: 'K7M2Q9XR', id: '+447700900456', name: 'Maria Silva' });
  fixture.addRequest({ code: 'P3N8H4TW', id: '+4915112345678', createdAt: T0 - 40 * MIN, expiresAt: T0 + 20 * MIN });
  renderer = await buildRenderer();
  served = await serveWindow(fixture, renderer.dir);
  browser = await launchBrowser();
  if (process.env.CLAWLINE_SCREENSHOTS === '1') shotsDir = join(root, 'docs/screenshots');
  else shotsDir = tempShots = await mkdtemp(join(tmpdir(), 'clawline-shots-'));
  await mkdir(shotsDir, { recursive: true });
});

after(async () => {
  await browser?.close();
  await served?.close();
  await renderer?.close();
  if (tempShots) await rm(tempShots, { recursive: true, force: true });
});

for (const theme of ['light', 'dark'] as const) {
  test(`every screen renders in the ${theme} theme: heading, no CSP violation, no serious axe finding`, async () => {
    const w = await ClawlineWindow.open(browser, served.dashboardUrl, { colorScheme: theme, fixedTime: T0 });
    const csp = watchCsp(w.page);
    try {
      const problems: string[] = [];
      for (const shot of SHOTS) {
        fixture.play(shot.scenario);
        await w.goto(shot.route);
        if (shot.ready) await w.page.locator(shot.ready).first().waitFor();
        assert.match((await w.heading().textContent()) ?? '', shot.heading, shot.name);
        const bg = await w.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(bg === 'rgb(17, 20, 24)', theme === 'dark', `${shot.name}: ${theme} background (${bg})`);
        const serious = seriousViolations(await axeScan(w.page));
        if (serious.length) problems.push(`${shot.name} (${theme}):\n${describeViolations(serious)}`);
        const file = join(shotsDir, `${shot.name}-${theme}.png`);
        await w.page.screenshot({ path: file, fullPage: true });
        assert.ok((await stat(file)).size > 10_000, `${file} looks empty`);
      }
      assert.deepEqual(problems, [], problems.join('\n\n'));
      assert.deepEqual(csp, [], 'no CSP violations or page errors');
    } finally {
      await w.close();
    }
  });
}

test('the theme toggle switches light and dark and says what it will do', async () => {
  const w = await ClawlineWindow.open(browser, served.dashboardUrl, { colorScheme: 'light', fixedTime: T0 });
  try {
    const toggle = w.page.locator('[data-action="toggle-theme"]');
    assert.equal(await toggle.getAttribute('aria-label'), 'Switch to the dark theme');
    await toggle.click();
    assert.equal(await w.page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.equal(await w.page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(17, 20, 24)');
    assert.equal(await toggle.getAttribute('aria-label'), 'Switch to the light theme');
    // The choice survives a reload.
    await w.page.reload();
    await w.heading().waitFor();
    assert.equal(await w.page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await w.page.locator('[data-action="toggle-theme"]').click();
    assert.equal(await w.page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(244, 246, 248)');
  } finally {
    await w.close();
  }
});

test('at 200 % zoom every screen fits the width (no sideways scrolling) and the menu stays usable', async () => {
  // 200 % zoom of a 1200 px wide window = a 600 CSS px viewport at twice the pixel density.
  const w = await ClawlineWindow.open(browser, served.dashboardUrl, { viewport: { width: 600, height: 430 }, fixedTime: T0 });
  const page = w.page;
  try {
    for (const shot of SHOTS) {
      fixture.play(shot.scenario);
      await w.goto(shot.route);
      if (shot.ready) await page.locator(shot.ready).first().waitFor();
      const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
      assert.ok(scroll <= width, `${shot.name}: content is ${scroll}px wide in a ${width}px window`);
    }
    // The navigation moved above the content and every item is still visible.
    for (const name of ['Home', 'Requests', 'Settings', 'Logs', 'Doctor', 'Reset']) {
      assert.ok(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}`) }).isVisible(), name);
    }
    fixture.play('linking-qr');
    await w.goto('link');
    const box = await w.qrImage().boundingBox();
    assert.ok(box && box.width >= 300, `QR stays at least 300 px wide at 200 % (${box?.width})`);
  } finally {
    await w.close();
  }
});
