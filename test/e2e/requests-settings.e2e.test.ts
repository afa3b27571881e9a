// The window against the real stack, linked, with the user's own commented openclaw.json:
// a stranger's DM becomes a request (number, age, badge) that Approve turns into a person the
// agent answers; a change in Settings lands in the file with the comments intact and applies
// at once (under "Only numbers I list" a stranger gets no code), and the setup's policy step
// adds to the numbers already listed instead of replacing them. axe-core checks each screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClawlineWindow, axeScan, describeViolations, launchBrowser, seriousViolations, watchCsp, type Browser } from '../ui/helpers.ts';
import { HANG_GUARD_MS, nextLogLine, screenshotDir, startRealStack, until, type RealStack } from './helpers.ts';

const OWN_NUMBER = '447700900100';
const CODE = /\b([A-HJ-NP-Z2-9]{8})\b/;

// Hand-written, with comments, odd spacing and a trailing comma: it must survive edits.
const USER_CONFIG = `// My Clawline settings. I edit this by hand sometimes.
{
  /* WhatsApp: who may talk to the agent */
  channels: {
    whatsapp: {
      // Strangers get a code and wait for me.
      dmPolicy:   "pairing",
      allowFrom: [
        "+447700900123", // my other phone
      ],
    },
  },
}
`;

let stack: RealStack;
let browser: Browser;
let w: ClawlineWindow;
let pageErrors: string[];
let shots: { dir: string; close(): Promise<void> };

before(async () => {
  stack = await startRealStack({ config: USER_CONFIG, gateway: { logLevel: 'info' } });
  browser = await launchBrowser();
  shots = await screenshotDir();
  await stack.h.link(OWN_NUMBER);
  w = await ClawlineWindow.open(browser, stack.dashboardUrl);
  pageErrors = watchCsp(w.page);
  await until(async () => (await w.accountState().textContent()) === 'Connected', 'Connected on Home');
}, { timeout: HANG_GUARD_MS });

after(async () => {
  await w?.close();
  await browser?.close();
  await stack?.close();
  await shots?.close();
}, { timeout: HANG_GUARD_MS });

test('a stranger’s DM shows up live as a request with number and age, and as a badge; Approve with notify lets the agent answer them', { timeout: HANG_GUARD_MS }, async () => {
  const page = w.page;
  const stranger = stack.h.sim.addContact({ name: 'Maria Silva', phone: '4915112345678' });
  await stack.h.sim.send(stranger.id, 'hello, who is this?');
  const codeMsg = await stack.h.sim.waitForMessage(stranger.id, (m) => CODE.test(m.text ?? ''));
  const code = CODE.exec(codeMsg.text!)![1]!;

  // The window learns of it without a reload: the badge and the Home card.
  await until(async () => (await w.requestsBadge().isVisible()) && (await w.requestsBadge().textContent())?.startsWith('1') === true, 'the Requests badge');
  assert.match(await w.requestsBadge().textContent() ?? '', /^1 person waiting$/);
  await page.getByText('One person is asking to talk to your agent').waitFor();

  await w.nav('Requests');
  const row = w.request('Maria Silva');
  await row.waitFor();
  const text = await row.textContent() ?? '';
  assert.match(text, /\+4915112345678/);
  assert.match(text, /Asked just now/);
  assert.match(text, /request expires in (\d+ min|1 h)/);
  assert.match(text, new RegExp(`Code they received: ${code.slice(0, 4)}-${code.slice(4)}`));

  const serious = seriousViolations(await axeScan(page));
  assert.deepEqual(serious, [], describeViolations(serious));
  const file = join(shots.dir, 'real-requests-light.png');
  await page.screenshot({ path: file, fullPage: true });
  assert.ok((await stat(file)).size > 10_000, `${file} looks empty`);

  await w.approve('Maria Silva', { notify: true });
  await page.getByText('Maria Silva can now message your agent.').waitFor();
  await stack.h.sim.waitForMessage(stranger.id, (m) => /approved|can now/i.test(m.text ?? ''));
  await until(async () => await w.requestsBadge().isHidden(), 'the badge to go');
  await page.getByText('Nobody is waiting').waitFor();
  await stack.h.sim.send(stranger.id, 'ping');
  const pong = await stack.h.sim.waitForMessage(stranger.id, (m) => m.text === 'pong');
  assert.equal(pong.text, 'pong');
  assert.equal((await stack.h.gateway.handle('pairing.list', {})).requests.length, 0);
});

test('a Settings change is written into openclaw.json with the comments intact and applies at once', { timeout: HANG_GUARD_MS }, async () => {
  const page = w.page;
  const path = join(stack.h.stateDir, 'openclaw.json');
  assert.equal(await readFile(path, 'utf8'), USER_CONFIG, 'untouched so far');
  await w.nav('Settings');
  await page.locator('.chip', { hasText: '+447700900123' }).waitFor({ timeout: 5000 }).catch(async (e) => { console.log(await page.locator('main').innerText()); throw e; });
  assert.equal(await page.getByLabel(/^Ask me first/).isChecked(), true, 'the screen shows the file’s policy');
  assert.match(await page.locator('main').textContent() ?? '', new RegExp(`Saved in ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  const serious = seriousViolations(await axeScan(page));
  assert.deepEqual(serious, [], describeViolations(serious));

  await page.getByLabel(/^Only numbers I list/).check();
  await page.getByText('Saved: Direct messages.').waitFor();
  // Only the value changed: comments, spacing and the trailing comma are the user's.
  assert.equal(await readFile(path, 'utf8'), USER_CONFIG.replace('"pairing"', '"allowlist"'));
  assert.equal(await page.getByLabel(/^Only numbers I list/).isChecked(), true);

  // In effect for the next message: a stranger gets no code and no request appears...
  const stranger = stack.h.sim.addContact({ name: 'Sam', phone: '4915199999999' });
  const dropped = nextLogLine(stack, (l) => l.msg === 'inbound message not answered' && l.sender === '+4915199999999');
  await stack.h.sim.send(stranger.id, 'hi, can I talk to your agent?');
  const line = await dropped;
  assert.match(String(line.outcome), /^dropped:/);
  assert.notEqual(line.outcome, 'dropped:pairing-pending');
  assert.equal(stack.h.sim.inbox(stranger.id).messages.length, 0, 'no pairing reply');
  assert.equal((await stack.h.gateway.handle('pairing.list', {})).requests.length, 0);
  assert.ok(await w.requestsBadge().isHidden());
  // ...while the listed number is answered.
  const listed = stack.h.sim.addContact({ name: 'Other phone', phone: '447700900123' });
  await stack.h.sim.send(listed.id, 'ping');
  await stack.h.sim.waitForMessage(listed.id, (m) => m.text === 'pong');
  assert.equal(stack.h.sim.inbox(stranger.id).messages.length, 0, 'still no reply to the stranger');
  assert.deepEqual(pageErrors, [], 'no CSP violations or page errors');
});

test('the setup’s “who may message” step keeps the numbers already in the file', { timeout: HANG_GUARD_MS }, async () => {
  const page = w.page;
  const path = join(stack.h.stateDir, 'openclaw.json');
  await w.goto('setup?step=3');
  await page.getByLabel(/^Anyone/).check();
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.getByRole('heading', { name: 'Set up Clawline — step 4 of 4' }).waitFor();
  const text = await readFile(path, 'utf8');
  assert.match(text, /dmPolicy:\s+"open"/);
  assert.match(text, /"\+447700900123"/, 'the number the user listed is still there');
  assert.match(text, /"\*"/);
  for (const comment of ['// My Clawline settings. I edit this by hand sometimes.', '/* WhatsApp: who may talk to the agent */', '// Strangers get a code and wait for me.', '// my other phone']) {
    assert.ok(text.includes(comment), `kept: ${comment}`);
  }
  assert.deepEqual(pageErrors, [], 'no CSP violations or page errors');
});
