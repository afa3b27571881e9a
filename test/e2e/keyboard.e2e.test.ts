// The main flows against the real stack by keyboard alone (Tab, Shift+Tab, Enter, Space; the
// mouse is never used): the first-run setup links WhatsApp by the QR on the screen, then a
// stranger's request is approved, and the agent answers them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ClawlineWindow, launchBrowser, watchCsp, type Browser } from '../ui/helpers.ts';
import { HANG_GUARD_MS, focusedText, scanQrOnScreen, startRealStack, tabTo, until, type RealStack } from './helpers.ts';

const OWN_NUMBER = '447700900100';
const CODE = /\b([A-HJ-NP-Z2-9]{8})\b/;

let stack: RealStack;
let browser: Browser;
let w: ClawlineWindow;
let pageErrors: string[];

before(async () => {
  stack = await startRealStack();
  browser = await launchBrowser();
}, { timeout: HANG_GUARD_MS });

after(async () => {
  await w?.close();
  await browser?.close();
  await stack?.close();
}, { timeout: HANG_GUARD_MS });

const heading = async () => (await w.heading().textContent()) ?? '';

test('keyboard only: the first-run setup links WhatsApp by the QR on the screen', { timeout: HANG_GUARD_MS }, async () => {
  w = await ClawlineWindow.open(browser, stack.dashboardUrl);
  pageErrors = watchCsp(w.page);
  const page = w.page;
  await until(async () => (await heading()) === 'Set up Clawline — step 1 of 4', 'the setup');
  assert.equal((await focusedText(page)).tag, 'H1', 'focus starts at the screen’s heading');
  await tabTo(page, (e) => e.text === 'Start', 'Start');
  await page.keyboard.press('Enter');
  await until(async () => (await heading()) === 'Set up Clawline — step 2 of 4', 'step 2');
  await tabTo(page, (e) => e.text === 'Show QR code', 'Show QR code');
  await page.keyboard.press('Space');
  await scanQrOnScreen(page, stack, OWN_NUMBER);
  await page.getByText('Linked!').waitFor();
  // Focus moves to the way on, so Enter continues.
  await until(async () => (await focusedText(page)).text === 'Next', 'focus on Next');
  await page.keyboard.press('Enter');
  await until(async () => (await heading()) === 'Set up Clawline — step 3 of 4', 'step 3');
  // "Ask me first" is chosen already; arrow keys move within the radio group.
  await tabTo(page, (e) => e.type === 'radio', 'the policy choice');
  assert.equal(await page.getByLabel(/^Ask me first/).isChecked(), true);
  await tabTo(page, (e) => e.text === 'Save and continue', 'Save and continue');
  await page.keyboard.press('Space');
  await until(async () => (await heading()) === 'Set up Clawline — step 4 of 4', 'step 4');
  await tabTo(page, (e) => e.text === 'Finish', 'Finish');
  await page.keyboard.press('Enter');
  await until(async () => (await heading()) === 'Home', 'Home');
  await until(async () => (await w.accountState().textContent()) === 'Connected', 'Connected');
  assert.match(await w.accountCard().locator('.self').textContent() ?? '', new RegExp(`^Linked to \\+${OWN_NUMBER}\\b`));
});

test('keyboard only: a stranger’s request is reached from the menu and approved; the agent answers them', { timeout: HANG_GUARD_MS }, async () => {
  const page = w.page;
  const stranger = stack.h.sim.addContact({ name: 'Maria Silva', phone: '4915112345678' });
  await stack.h.sim.send(stranger.id, 'hello?');
  await stack.h.sim.waitForMessage(stranger.id, (m) => CODE.test(m.text ?? ''));
  await until(async () => await w.requestsBadge().isVisible(), 'the Requests badge');

  // From the Home heading back up into the menu.
  await page.locator('main h1').focus();
  await tabTo(page, (e) => e.tag === 'A' && e.text.startsWith('Requests'), 'the Requests menu entry', { back: true });
  await page.keyboard.press('Enter');
  await until(async () => (await heading()) === 'Requests', 'Requests');
  assert.equal((await focusedText(page)).tag, 'H1', 'focus moves to the new screen');
  await w.request('Maria Silva').waitFor();
  await tabTo(page, (e) => e.type === 'checkbox', 'the notify box');
  assert.equal(await page.getByRole('checkbox', { name: 'Tell them they’re approved' }).isChecked(), true);
  await tabTo(page, (e) => e.text === 'Approve', 'Approve');
  await page.keyboard.press('Enter');
  await page.getByText('Maria Silva can now message your agent.').waitFor();
  assert.notEqual((await focusedText(page)).tag, 'BODY', 'focus stays in the screen after the row goes');
  await stack.h.sim.waitForMessage(stranger.id, (m) => /approved|can now/i.test(m.text ?? ''));
  await stack.h.sim.send(stranger.id, 'ping');
  await stack.h.sim.waitForMessage(stranger.id, (m) => m.text === 'pong');
  await until(async () => await w.requestsBadge().isHidden(), 'the badge to go');
  assert.deepEqual(pageErrors, [], 'no CSP violations or page errors');
});
