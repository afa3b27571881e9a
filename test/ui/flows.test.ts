// The main flows in real Chromium against the test fixture, through the real loopback control
// server (HTTP + WebSocket with the token): linking by QR and by code, stalls, requests,
// settings with inline errors, logs, doctor, reset, status countdowns, and keyboard-only use.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { FixtureGateway, T0 } from './fixture-gateway.ts';
import { ClawlineWindow, buildRenderer, launchBrowser, serveWindow, watchCsp, type Browser, type ServedWindow } from './helpers.ts';

// jsqr and pngjs ship CommonJS without types; one function each is used.
const require = createRequire(import.meta.url);
const jsQR = require('jsqr') as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const { PNG } = require('pngjs') as { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } } };

let browser: Browser;
let renderer: { dir: string; close(): Promise<void> };
let served: ServedWindow;
let fixture: FixtureGateway;
let w: ClawlineWindow;
let pageErrors: string[];

before(async () => {
  fixture = new FixtureGateway();
  await fixture.prepareQrs(6);
  renderer = await buildRenderer();
  // The server holds the handler for its whole life; tests swap the fixture's state instead.
  served = await serveWindow(fixture, renderer.dir);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await served?.close();
  await renderer?.close();
});

beforeEach(async () => {
  if (w) await w.close();
  fixture.calls = [];
  fixture.requests = [];
  fixture.whatsapp = { dmPolicy: 'pairing', allowFrom: ['+447700900123'], groupPolicy: 'allowlist', groups: { '120363012345678901@g.us': { requireMention: true } } };
  fixture.play('connected');
  w = await ClawlineWindow.open(browser, served.dashboardUrl, { clockAt: T0 });
  pageErrors = watchCsp(w.page);
});

const calls = (op: string) => fixture.calls.filter((c) => c.op === op).map((c) => c.request);
async function until(fn: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function decodeQr(page: Page): Promise<string | undefined> {
  const png = PNG.sync.read(await page.locator('img.qr-img').screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

test('the token moves from the link to session storage and the address bar is cleaned', async () => {
  assert.doesNotMatch(w.page.url(), /token=/);
  assert.equal(await w.page.evaluate(() => sessionStorage.getItem('clawline.token')), served.token);
  assert.equal(await w.heading().textContent(), 'Home');
});

test('a wrong token gets a plain explanation; no token asks for the dashboard command', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${served.url}/#token=wrong-token`);
    await page.getByText('This page’s key is not valid any more').waitFor();
    assert.match(await page.locator('.banner-slot').textContent() ?? '', /clawline dashboard/);
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${served.url}/#/home`);
    await page.reload();
    await page.getByRole('heading', { name: 'Open Clawline from its link' }).waitFor();
  } finally {
    await context.close();
  }
});

test('Home: reconnect countdown runs live, and the one fix button calls the right operation', async () => {
  fixture.play('reconnecting');
  await w.goto('home');
  // The next attempt is at T0 + 12 s; stop the page's clock on a whole second and move it by hand.
  // A status push re-renders at exactly the paused time (the 1 s ticker's phase is arbitrary).
  const left = 12 - (await w.pauseOnWholeSecond() - T0) / 1000;
  fixture.pushStatus();
  await until(async () => (await w.accountState().textContent()) === `Reconnecting in ${left} s`, 'the countdown');
  await w.page.clock.fastForward(3000);
  await until(async () => /Reconnecting in \d+ s/.test(await w.accountState().textContent() ?? '') && (await w.accountState().textContent()) !== `Reconnecting in ${left} s`, 'the countdown to tick by itself');
  fixture.pushStatus();
  await until(async () => (await w.accountState().textContent()) === `Reconnecting in ${left - 3} s`, 'the countdown at +3 s');
  assert.match(await w.overallStatus().textContent() ?? '', new RegExp(`Reconnecting in ${left - 3} s`));
  assert.match(await w.accountCard().textContent() ?? '', /status 428: connection closed.*What to do: Clawline retries by itself/);
  await w.page.clock.resume();
  await w.fixButton().click();
  await until(() => calls('gateway.restart').length === 1, 'gateway.restart');
  // A status change is announced for screen readers.
  fixture.play('logged-out');
  await until(async () => (await w.page.locator('[aria-live="polite"][aria-atomic="true"]').textContent()) === 'WhatsApp: Logged out', 'the announcement');
  assert.equal(await w.fixButton().textContent(), 'Link again');
  await w.fixButton().click();
  await until(async () => (await w.heading().textContent()) === 'Link WhatsApp', 'the link screen');
});

test('Home: a stopped gateway offers Start; an encryption warning is shown in plain words', async () => {
  fixture.encryption = { enabled: false, provider: 'none (basic_text)', warning: 'No desktop keyring is running, so the WhatsApp login files are stored unencrypted.' };
  fixture.play('gateway-stopped');
  await w.goto('home');
  await w.page.getByText('Clawline is stopped', { exact: true }).first().waitFor();
  assert.match(await w.page.locator('main').textContent() ?? '', /No desktop keyring is running/);
  await w.page.locator('main .notice button[data-fix="start"]').click();
  await until(() => calls('gateway.start').length === 1, 'gateway.start');
  fixture.encryption = { enabled: true, provider: 'safeStorage' };
});

test('Home: an account that works but needs action soon shows the warning and when the phone was last seen', async () => {
  fixture.account = { ...fixture.account, phoneLastSeenAt: T0 - 12 * 24 * 3600_000, warning: { kind: 'phone-offline', cause: 'Your phone has been offline for 12 days.', nextStep: 'Open WhatsApp on the phone before day 14, or WhatsApp ends this link.' } };
  fixture.pushStatus();
  await w.accountCard().getByText('Your phone has been offline for 12 days.').waitFor();
  assert.match(await w.accountCard().textContent() ?? '', /What to do: Open WhatsApp on the phone before day 14.*Phone last seen12 days ago/);
  assert.equal(await w.accountState().textContent(), 'Connected');
});

test('Link by QR: a large, scannable QR with a visible countdown that refreshes itself, then success', async () => {
  fixture.play('not-linked');
  await w.goto('link');
  await w.page.getByRole('button', { name: 'Show QR code' }).click();
  await until(() => calls('link.start').length === 1, 'link.start');
  assert.deepEqual(calls('link.start')[0], { accountId: 'default', method: 'qr' });
  const img = w.qrImage();
  await w.page.locator('img.qr-img[src^="data:image/png"]').waitFor();
  const box = await img.boundingBox();
  assert.ok(box && box.width >= 300 && box.height >= 300, `QR is ${box?.width}x${box?.height}`);
  const first = fixture.account.linking!.qr!;
  assert.equal(await decodeQr(w.page), first, 'the QR on screen is the gateway’s QR');
  assert.ok(await w.qrCountdown().isVisible());
  // The QR expires at T0 + 20 s; stop the page's clock on a whole second and move it by hand.
  const pausedAt = await w.pauseOnWholeSecond();
  const left = 20 - (pausedAt - T0) / 1000;
  fixture.pushStatus();
  await until(async () => (await w.qrCountdown().textContent()) === `This code refreshes in ${left} s`, 'the QR countdown');
  await w.page.clock.fastForward(3000);
  await until(async () => (await w.qrCountdown().textContent()) !== `This code refreshes in ${left} s`, 'the QR countdown to tick by itself');
  fixture.pushStatus();
  await until(async () => (await w.qrCountdown().textContent()) === `This code refreshes in ${left - 3} s`, 'the QR countdown at +3 s');
  // The gateway rotates the QR: the picture and the countdown follow.
  fixture.account = { ...fixture.account, linking: fixture.qrLinking() };
  fixture.account.linking!.qrExpiresAt = pausedAt + 3000 + 20_000;
  fixture.pushStatus();
  await until(async () => (await decodeQr(w.page)) === fixture.account.linking!.qr, 'the new QR');
  assert.notEqual(fixture.account.linking!.qr, first);
  await until(async () => (await w.qrCountdown().textContent()) === 'This code refreshes in 20 s', 'the countdown to restart');
  fixture.completeLink('+15550100');
  await w.page.getByText('Linked!').waitFor();
  assert.match(await w.page.locator('main').textContent() ?? '', /WhatsApp is linked to \+15550100/);
});

test('Link: every stall is explained, and an expired QR offers "Get a new QR"', async () => {
  fixture.play('stall-cannot-link');
  await w.goto('link');
  await w.stall().waitFor();
  assert.match(await w.stall().textContent() ?? '', /can’t link new devices right now.*Wait a few hours/);
  fixture.play('stall-passkey');
  await until(async () => /passkey/.test(await w.stall().textContent() ?? ''), 'the passkey explanation');
  assert.match(await w.stall().textContent() ?? '', /confirm the prompt there/);
  fixture.play('stall-qr-expired');
  await until(async () => /The QR code expired/.test(await w.stall().textContent() ?? ''), 'the expiry explanation');
  await w.stall().getByRole('button', { name: 'Get a new QR' }).click();
  await until(() => calls('link.start').length === 1, 'link.start');
  await until(async () => !(await w.stall().count()), 'the stall to clear');
});

test('Link by phone number: the number is checked as typed, then the 8-character code and the steps', async () => {
  fixture.play('not-linked');
  await w.goto('link');
  await w.page.getByRole('button', { name: 'Link with phone number instead' }).click();
  const input = w.page.getByLabel('Phone number of the WhatsApp account');
  await input.fill('07700 900123');
  assert.match(await w.fieldError(input), /country code/);
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  await input.fill('+44 7700 900123');
  assert.equal(await w.fieldError(input), '');
  assert.match(await w.page.locator('.normalized').textContent() ?? '', /\+447700900123/);
  await w.page.getByRole('button', { name: 'Get my code' }).click();
  await w.pairCode().waitFor();
  assert.deepEqual(calls('link.start'), [{ accountId: 'default', method: 'code', phone: '+447700900123' }]);
  assert.equal(await w.pairCode().textContent(), 'WXYZ-2345');
  const text = await w.page.locator('main').textContent() ?? '';
  assert.match(text, /On the phone with \+447700900123, open WhatsApp/);
  assert.match(text, /Link with phone number instead/);
  await w.page.getByRole('button', { name: 'Cancel' }).click();
  await until(() => calls('link.cancel').length === 1, 'link.cancel');
});

test('Requests: listed with name, number, age and expiry; approve (with notify) and dismiss call the gateway; the badge follows', async () => {
  fixture.addRequest({ code: 'K7M2Q9XR', id: '+447700900456', name: 'Maria Silva' });
  fixture.addRequest({ code: 'P3N8H4TW', id: '+4915112345678', createdAt: T0 - 40 * 60_000, expiresAt: T0 + 20 * 60_000 });
  await until(async () => (await w.requestsBadge().textContent())?.startsWith('2') ?? false, 'the badge');
  await w.nav('Requests');
  const maria = w.request('Maria Silva');
  await maria.waitFor();
  assert.match(await maria.textContent() ?? '', /\+447700900456.*Asked 5 min ago.*expires in 55 min.*K7M2-Q9XR/);
  assert.match(await w.request('+4915112345678').textContent() ?? '', /No name shared.*Asked 40 min ago.*expires in 20 min/);
  await w.approve('Maria Silva', { notify: true });
  assert.deepEqual(calls('pairing.approve'), [{ code: 'K7M2Q9XR', notify: true, accountId: 'default' }]);
  await w.page.getByText('Maria Silva can now message your agent.').waitFor();
  await until(async () => (await w.requestsBadge().textContent())?.startsWith('1') ?? false, 'the badge to drop');
  await w.dismiss('+4915112345678');
  assert.deepEqual(calls('pairing.dismiss'), [{ code: 'P3N8H4TW', accountId: 'default' }]);
  await until(async () => await w.requestsBadge().isHidden(), 'the badge to go');
  await w.page.getByText('Nobody is waiting').waitFor();
  // A request arriving while the screen is open appears live.
  fixture.addRequest({ code: 'Z9Y8X7W6', id: '+15550199', name: 'Sam' });
  await w.request('Sam').waitFor();
});

test('Settings: saved on change through settings.set; problems shown inline next to the field', async () => {
  await w.nav('Settings');
  await w.page.locator('.chip').first().waitFor();
  // "Anyone" without * in the list: the gateway refuses, the reason appears at the policy.
  await w.page.getByLabel(/^Anyone/).click();
  await until(() => calls('settings.set').length === 1, 'settings.set');
  assert.deepEqual(calls('settings.set')[0], { path: ['channels', 'whatsapp', 'dmPolicy'], value: 'open' });
  const policy = w.page.getByRole('group', { name: 'Direct messages' });
  await until(async () => /needs \* in the allowed numbers/.test(await policy.textContent() ?? ''), 'the inline finding');
  assert.equal(await policy.getAttribute('aria-invalid'), 'true');
  assert.equal(await w.page.getByLabel(/^Ask me first/).isChecked(), true, 'the refused choice is not shown as chosen');
  // Allowed numbers: checked while typing, the normalized form shown, then saved.
  const add = w.page.getByRole('textbox', { name: 'Allowed numbers' });
  await add.fill('+44 12');
  assert.match(await w.fieldError(add), /too short/);
  await add.fill('0044 7700 900 999');
  assert.equal(await w.fieldError(add), '');
  assert.match(await w.page.locator('#' + (await add.getAttribute('id')) + '-preview').textContent() ?? '', /Will be saved as \+447700900999/);
  await add.press('Enter');
  await w.page.getByRole('button', { name: 'Remove +447700900999' }).waitFor();
  assert.deepEqual(calls('settings.set').at(-1), { path: ['channels', 'whatsapp', 'allowFrom'], value: ['+447700900123', '+447700900999'] });
  // Now * can be added and "Anyone" saved.
  await add.fill('*');
  await add.press('Enter');
  await w.page.getByRole('button', { name: 'Remove *' }).waitFor();
  await w.page.getByLabel(/^Anyone/).check();
  await until(async () => fixture.whatsapp.dmPolicy === 'open', 'dmPolicy open saved');
  await until(async () => (await policy.getAttribute('aria-invalid')) === null, 'the finding to clear');
  // A number out of range from the gateway's rules, shown next to that field.
  const chunk = w.page.getByLabel('Longest message');
  await chunk.fill('5000');
  await chunk.press('Tab');
  await until(async () => /at most 4096/.test(await w.fieldError(chunk)), 'the chunk limit finding');
  // Typing nonsense is caught before it is sent.
  const media = w.page.getByLabel('Largest photo, video or file (MB)');
  const before = calls('settings.set').length;
  await media.fill('-3');
  await media.press('Tab');
  assert.match(await w.fieldError(media), /whole number from 1 to 2048/);
  assert.equal(calls('settings.set').length, before);
  // Agent: Test connection.
  await w.page.getByRole('button', { name: 'Test connection' }).click();
  await w.page.getByText('Connection works').waitFor();
  assert.equal(calls('agent.test').length, 1);
  assert.equal(await w.page.getByLabel('Server address').inputValue(), 'http://127.0.0.1:11434/v1');
  assert.equal(await w.page.getByLabel('API key').inputValue(), '', 'a saved secret is never shown');
});

test('Logs: live lines, filters, search, and Export diagnostics', async () => {
  await w.nav('Logs');
  await w.page.locator('.log-line').first().waitFor();
  assert.deepEqual(calls('logs.tail')[0], { limit: 500, level: 'info' });
  assert.equal(await w.page.locator('.log-line').count(), 5, 'debug hidden by default');
  fixture.log({ time: T0 + 1000, level: 'warn', subsystem: 'connection', accountId: 'default', msg: 'Connection closed (428), retrying in 4 s' });
  await w.page.getByText('retrying in 4 s').waitFor();
  await w.page.getByLabel('Show').selectOption('error');
  await until(async () => (await w.page.locator('.log-line').count()) === 1, 'errors only');
  await w.page.getByLabel('Show').selectOption('');
  await w.page.getByLabel('Search').fill('inbound');
  await until(async () => (await w.page.locator('.log-line').count()) === 1, 'the search');
  assert.match(await w.page.locator('.log-line').textContent() ?? '', /Inbound message/);
  await w.page.getByRole('button', { name: 'Copy' }).click();
  await w.page.getByText('Copied 1 line.').waitFor();
  await w.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.url });
  assert.match(await w.page.evaluate(() => navigator.clipboard.readText()), /^2026-06-01T09:25:00\.000Z INFO messages\/default Inbound message/);
  await w.page.getByRole('button', { name: 'Export diagnostics' }).click();
  await w.page.getByText('Diagnostics saved').waitFor();
  assert.match(await w.page.locator('main').textContent() ?? '', /diagnostics-2026-06-01T09-30-00Z\.zip/);
});

test('Doctor: stops at the first step that finds the cause and fixes it in one click', async () => {
  await w.nav('Doctor');
  const states = await w.doctorSteps();
  assert.deepEqual(states, ['Fine', 'Fine', 'Problem found', 'Skipped: a problem was found above', 'Skipped: a problem was found above', 'Skipped: a problem was found above']);
  assert.equal(calls('logs.tail').length, 0, 'later steps did not run');
  await w.page.getByRole('button', { name: 'Make it private' }).click();
  await until(() => calls('doctor.fix').length === 1, 'doctor.fix');
  assert.deepEqual(calls('doctor.fix')[0], { checkId: 'config-mode' });
  await w.page.getByText('openclaw.json is private to you (mode 600).').waitFor();
  // A stopped gateway is found at step 1, with Start.
  fixture.play('gateway-stopped');
  await w.page.getByRole('button', { name: 'Check again' }).click();
  const again = await w.doctorSteps();
  assert.equal(again[0], 'Problem found');
  assert.match(await w.page.locator('.ladder-step').first().textContent() ?? '', /Clawline is stopped/);
});

test('Reset: explained, confirmed in a dialog, and the backup location shown', async () => {
  await w.nav('Reset');
  await w.page.getByRole('button', { name: 'Reset…' }).click();
  const dialog = w.page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await dialog.textContent() ?? '', /backup folder/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(calls('account.reset').length, 0);
  await w.page.getByRole('button', { name: 'Reset…' }).click();
  await w.page.getByRole('dialog').getByRole('button', { name: 'Reset', exact: true }).click();
  await w.page.locator('.notice-title', { hasText: 'Reset done' }).waitFor();
  assert.deepEqual(calls('account.reset'), [{ accountId: 'default' }]);
  assert.match(await w.page.locator('main').textContent() ?? '', /backups\/whatsapp-default-2026-06-01T09-30-00Z/);
});

test('Setup: link, choose who may message, then "ping" from another phone proves it works', async () => {
  fixture.play('not-linked');
  await w.goto('setup');
  await w.page.getByRole('button', { name: 'Start' }).click();
  await w.page.getByRole('button', { name: 'Show QR code' }).click();
  await w.page.locator('img.qr-img[src^="data:image/png"]').waitFor();
  fixture.completeLink('+15550100');
  await w.page.getByRole('button', { name: 'Next' }).click();
  await w.page.getByLabel(/Only numbers I list/).check();
  await w.page.getByLabel('Phone number allowed to message your agent').fill('+44 7700 900123');
  await w.page.getByRole('button', { name: 'Save and continue' }).click();
  await w.page.getByText('Waiting for your message…').waitFor();
  assert.deepEqual(calls('settings.set').map((r) => (r as { path: string[] }).path.at(-1)), ['allowFrom', 'dmPolicy', 'allowFrom']);
  assert.equal(fixture.whatsapp.dmPolicy, 'allowlist');
  assert.deepEqual(fixture.whatsapp.allowFrom, ['+447700900123']);
  assert.match(await w.page.locator('main').textContent() ?? '', /send the message ping to \+15550100/);
  fixture.inbound(T0 + 60_000);
  await w.page.getByText(/Message received/).waitFor();
  await w.page.getByRole('button', { name: 'Finish' }).click();
  await until(async () => (await w.heading().textContent()) === 'Home', 'Home');
});

/** Presses Tab until the focused element matches; fails after `max` presses. */
async function tabTo(page: Page, match: (el: { tag: string; text: string; label: string | null }) => boolean, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = await page.evaluate(() => { const a = document.activeElement as HTMLElement | null; return { tag: a?.tagName ?? '', text: (a?.textContent ?? '').trim(), label: a?.getAttribute('aria-label') ?? null }; });
    if (match(el)) return;
  }
  assert.fail('the element was not reachable with Tab');
}

test('keyboard only: skip link, navigation, approve a request, link by code, and the reset dialog', async () => {
  fixture.addRequest({ code: 'K7M2Q9XR', id: '+447700900456', name: 'Maria Silva' });
  const page = w.page;
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  assert.ok(await page.locator('.skip-link').isVisible(), 'the skip link shows when focused');
  // Focus is visible: the focused element has an outline.
  await tabTo(page, (e) => e.tag === 'A' && e.text.startsWith('Requests'));
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'none');
  await page.keyboard.press('Enter');
  await until(async () => (await w.heading().textContent()) === 'Requests', 'Requests');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the new screen');
  await tabTo(page, (e) => e.tag === 'INPUT');
  await page.keyboard.press('Space'); // untick "Tell them they're approved"
  await tabTo(page, (e) => e.text === 'Approve');
  await page.keyboard.press('Enter');
  await until(() => calls('pairing.approve').length === 1, 'pairing.approve');
  assert.deepEqual(calls('pairing.approve')[0], { code: 'K7M2Q9XR', notify: false, accountId: 'default' });

  fixture.play('not-linked');
  await w.goto('link');
  await tabTo(page, (e) => e.text === 'Link with phone number instead');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).type), 'tel', 'focus goes to the number field');
  await page.keyboard.type('+1 555 0100 100');
  await page.keyboard.press('Enter');
  await w.pairCode().waitFor();
  assert.deepEqual(calls('link.start').at(-1), { accountId: 'default', method: 'code', phone: '+15550100100' });

  fixture.play('connected');
  await w.goto('reset');
  await tabTo(page, (e) => e.text === 'Reset…');
  await page.keyboard.press('Enter');
  await page.getByRole('dialog').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'the safe choice has focus');
  await page.keyboard.press('Escape');
  await until(async () => !(await page.getByRole('dialog').isVisible()), 'the dialog to close');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Reset…', 'focus returns to the button');
  assert.equal(calls('account.reset').length, 0);
  assert.deepEqual(pageErrors, []);
});
