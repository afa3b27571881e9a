// The window against the real stack, from a fresh install: the first-run wizard links WhatsApp
// by the QR read off the screen and "ping" from another phone gets "pong"; the Logs screen
// follows live; the phone removing the device shows "Logged out" with "Link again", which
// links again; and the clean reset shows its backup folder and leaves the account not linked.
// One gateway and one browser for the whole file: each test continues where the last stopped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClawlineWindow, axeScan, describeViolations, launchBrowser, seriousViolations, watchCsp, type Browser } from '../ui/helpers.ts';
import { HANG_GUARD_MS, scanQrOnScreen, screenshotDir, startRealStack, until, type RealStack } from './helpers.ts';

const OWN_NUMBER = '447700900100';

let stack: RealStack;
let browser: Browser;
let w: ClawlineWindow;
let pageErrors: string[];
let shots: { dir: string; close(): Promise<void> };

before(async () => {
  // Info level: the Logs screen shows "Info and worse" by default, as a user runs it.
  stack = await startRealStack({ gateway: { logLevel: 'info' } });
  browser = await launchBrowser();
  shots = await screenshotDir();
}, { timeout: HANG_GUARD_MS });

after(async () => {
  await w?.close();
  await browser?.close();
  await stack?.close();
  await shots?.close();
}, { timeout: HANG_GUARD_MS });

test('first run: the wizard links by the QR on the screen, the home screen says Connected, and ping from another phone gets pong', { timeout: HANG_GUARD_MS }, async () => {
  w = await ClawlineWindow.open(browser, stack.dashboardUrl);
  pageErrors = watchCsp(w.page);
  const page = w.page;
  // A fresh install opens the guided setup by itself.
  await page.getByRole('heading', { name: 'Set up Clawline — step 1 of 4' }).waitFor();
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByRole('heading', { name: 'Set up Clawline — step 2 of 4' }).waitFor();
  await page.getByRole('button', { name: 'Show QR code' }).click();
  const linked = await scanQrOnScreen(page, stack, OWN_NUMBER);
  assert.match(linked.qr, /^[^,]+,[^,]+,[^,]+,[^,]+/, 'the screen showed a WhatsApp linking QR');
  await page.getByText('Linked!').waitFor();
  assert.match(await page.locator('main').textContent() ?? '', new RegExp(`WhatsApp is linked to \\+${OWN_NUMBER}`));

  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: 'Set up Clawline — step 3 of 4' }).waitFor();
  await page.getByLabel(/^Anyone/).check();
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.getByRole('heading', { name: 'Set up Clawline — step 4 of 4' }).waitFor();
  // The wizard wrote the choice to openclaw.json, and the gateway uses it.
  const config = await readFile(join(stack.h.stateDir, 'openclaw.json'), 'utf8');
  assert.match(config, /dmPolicy:\s*"open"/);
  assert.match(config, /allowFrom:\s*\[\s*"\*"\s*\]/);
  assert.match(await page.locator('main').textContent() ?? '', new RegExp(`send the message ping to \\+${OWN_NUMBER}\\.`));
  await page.getByText('Waiting for your message…').waitFor();

  // Another phone sends ping, as the wizard says.
  const friend = stack.h.sim.addContact({ name: 'Friend', phone: '447700900200' });
  await stack.h.sim.send(friend.id, 'ping');
  const pong = await stack.h.sim.waitForMessage(friend.id, (m) => m.text === 'pong');
  assert.equal(pong.text, 'pong');
  await page.getByText(/Message received/).waitFor();
  await page.getByRole('button', { name: 'Finish' }).click();

  await until(async () => (await w.heading().textContent()) === 'Home', 'Home');
  await until(async () => (await w.accountState().textContent()) === 'Connected', 'Connected on Home');
  assert.match(await w.accountCard().locator('.self').textContent() ?? '', new RegExp(`^Linked to \\+${OWN_NUMBER}\\b`));
  assert.equal(await w.overallStatus().textContent(), 'Connected');
  // The last message fact is the ping that just arrived.
  await until(async () => /Last message\s*just now/.test(await w.accountCard().locator('.facts').textContent() ?? ''), 'the last message fact');

  const serious = seriousViolations(await axeScan(page));
  assert.deepEqual(serious, [], describeViolations(serious));
  const file = join(shots.dir, 'real-home-light.png');
  await page.screenshot({ path: file, fullPage: true });
  assert.ok((await stat(file)).size > 10_000, `${file} looks empty`);
});

test('Logs follow live: a message arriving after the screen opened shows up as a new line', { timeout: HANG_GUARD_MS }, async () => {
  const page = w.page;
  let tails = 0;
  page.on('request', (r) => { if (r.url().endsWith('/api/logs.tail')) tails++; });
  await w.nav('Logs');
  await page.locator('.log-line').first().waitFor();
  assert.equal(tails, 1, 'the screen read the log once when it opened');
  const newcomer = stack.h.sim.addContact({ name: 'Newcomer', phone: '447700900300' });
  const line = page.locator('.log-line', { hasText: `Inbound message +${newcomer.phone}` });
  assert.equal(await line.count(), 0, 'no such line before the message');
  await stack.h.sim.send(newcomer.id, 'hello there');
  await line.waitFor();
  assert.match(await line.textContent() ?? '', /INFO/);
  assert.equal(tails, 1, 'the line came over the live event stream, not a reload');
  assert.match(await page.locator('.log-view').evaluate((el) => `${el.scrollTop + el.clientHeight >= el.scrollHeight - 2}`), /true/, 'the view follows the newest line');
  // The built-in agent answers anything but ping with its auto-reply.
  await stack.h.sim.waitForMessage(newcomer.id, (m) => /connected with Clawline/.test(m.text ?? ''));
});

test('the phone removes this computer: Logged out with "Link again", which links again; the clean reset shows its backup and leaves it not linked', { timeout: HANG_GUARD_MS }, async () => {
  const page = w.page;
  await w.nav('Home');
  const [device] = stack.h.sim.state().accounts.find((a) => a.phone === OWN_NUMBER)!.devices;
  assert.ok(device);
  stack.h.sim.phone.unlink(device);
  await until(async () => (await w.accountState().textContent()) === 'Logged out', 'Logged out on Home');
  const relink = w.fixButton();
  assert.equal(await relink.textContent(), 'Link again');
  assert.ok(await relink.isVisible());
  assert.equal(await w.overallStatus().textContent(), 'Logged out');
  assert.match(await w.accountCard().textContent() ?? '', /What to do:/);
  await until(async () => (await page.locator('[aria-live="polite"][aria-atomic="true"]').textContent()) === 'WhatsApp: Logged out', 'the announcement');

  await relink.click();
  await until(async () => (await w.heading().textContent()) === 'Link WhatsApp', 'the Link screen');
  await page.getByRole('button', { name: 'Show QR code' }).click();
  await scanQrOnScreen(page, stack, OWN_NUMBER);
  await page.getByText('Linked!').waitFor();
  await stack.h.waitAccount((a) => a.state === 'connected');

  await w.nav('Reset');
  await page.getByRole('button', { name: 'Reset…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Reset', exact: true }).click();
  await page.getByText('Reset done', { exact: true }).waitFor();
  const shown = await page.locator('main code.path').textContent() ?? '';
  assert.match(shown, /backups\/whatsapp-default-/);
  assert.ok((await stat(join(shown, 'creds.json'))).isFile(), 'the old login files are in the folder shown');
  const after = await stack.h.waitAccount((a) => a.state === 'not-linked');
  assert.equal(after.self, undefined);
  await w.nav('Home');
  await until(async () => (await w.accountState().textContent()) === 'Not linked', 'Not linked on Home');
  assert.equal(await w.fixButton().textContent(), 'Link WhatsApp');
  assert.deepEqual(pageErrors, [], 'no CSP violations or page errors');
});
