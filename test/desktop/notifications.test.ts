// Native notifications: which events deserve one, the words, and where a click leads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NotificationConstructorOptions } from 'electron';
import { Notifier, pairingNotices, statusNotices } from '../../main/desktop/notifications.ts';
import type { PairingRequestView } from '../../main/control/contract.ts';
import { account, summary } from './fakes.ts';

const req = (code: string, extra: Partial<PairingRequestView> = {}): PairingRequestView => ({ accountId: 'default', code, id: '+447700900123', createdAt: 1, expiresAt: 2, lastSeenAt: 1, ...extra });

test('a logged-out session: notice that opens Link for that account', () => {
  const n = statusNotices(summary([account('connected')]), summary([account('logged-out', { cause: 'Removed from Linked devices on the phone.' })]));
  assert.deepEqual(n.map((x) => [x.title, x.body, x.route]), [['WhatsApp was logged out', 'Removed from Linked devices on the phone.', 'link?account=default']]);
});

test('a conflicting session: notice that opens Home', () => {
  const n = statusNotices(summary([account('connected')]), summary([account('conflict')]));
  assert.equal(n.length, 1);
  assert.match(n[0]!.title, /open somewhere else/);
  assert.equal(n[0]!.route, 'home');
});

test('reconnecting given up: notice that opens the Doctor', () => {
  const n = statusNotices(summary([account('reconnecting', { reconnectAttempts: 12 })]), summary([account('stopped', { cause: 'Gave up after 12 attempts.' })]));
  assert.deepEqual(n.map((x) => [x.title, x.route]), [['WhatsApp: Clawline stopped reconnecting', 'doctor']]);
});

test('a working account that needs action soon (phone offline for days): one notice, opening Home', () => {
  const warning = { kind: 'phone-offline' as const, cause: 'Your phone has been offline for 12 days.', nextStep: 'Open WhatsApp on the phone before day 14, or this link ends.' };
  const n = statusNotices(summary([account('connected')]), summary([account('connected', { warning })]));
  assert.deepEqual(n.map((x) => [x.title, x.body, x.route]), [['WhatsApp: Your phone has been offline for 12 days.', warning.nextStep, 'home']]);
  assert.deepEqual(statusNotices(summary([account('connected', { warning })]), summary([account('connected', { warning })])), []);
});

test('ordinary changes and a deliberate stop make no noise', () => {
  assert.deepEqual(statusNotices(summary([account('connecting')]), summary([account('connected')])), []);
  assert.deepEqual(statusNotices(summary([account('connected')]), summary([account('reconnecting')])), []);
  assert.deepEqual(statusNotices(summary([account('logged-out')]), summary([account('logged-out')])), [], 'no repeat for the same state');
  // Stopping the gateway stops accounts: that is the person's own doing.
  assert.deepEqual(statusNotices(summary([account('reconnecting')]), summary([account('stopped')], { running: false })), []);
});

test('a new access request: notice with the name, opening Requests', () => {
  const r = req('ABCD2345', { name: 'Maria' });
  const n = pairingNotices({ requests: [r, req('EFGH2345')], added: r });
  assert.deepEqual(n.map((x) => [x.title, x.body, x.route]), [['Maria wants to talk to your agent', '+447700900123 · Approve or dismiss in Clawline. 2 requests are waiting.', 'requests']]);
  assert.deepEqual(pairingNotices({ requests: [r] }), [], 'a list refresh is not a new request');
});

test('the notifier shows each notice once and a click opens its screen', () => {
  const shown: NotificationConstructorOptions[] = [];
  const clicks: (() => void)[] = [];
  const opened: string[] = [];
  const notifier = new Notifier({
    isSupported: () => true,
    create: (o) => { shown.push(o); return { on: (_e: 'click', fn: () => void) => { clicks.push(fn); }, show: () => {} }; },
    open: (route) => opened.push(route),
  });
  const r = req('ABCD2345');
  notifier.onPairing({ requests: [r], added: r });
  notifier.onPairing({ requests: [r], added: r });
  notifier.onStatus(summary([account('connected')]));
  notifier.onStatus(summary([account('logged-out', { lastDisconnect: { at: 5, code: 401, reason: 'logged out' } })]));
  assert.deepEqual(shown.map((s) => s.title), ['+447700900123 wants to talk to your agent', 'WhatsApp was logged out']);
  clicks[0]!();
  clicks[1]!();
  assert.deepEqual(opened, ['requests', 'link?account=default']);
});

test('no notifications where the system has none', () => {
  let created = 0;
  const notifier = new Notifier({ isSupported: () => false, create: () => { created++; return { on: () => {}, show: () => {} }; }, open: () => {} });
  const r = req('ABCD2345');
  notifier.onPairing({ requests: [r], added: r });
  assert.equal(created, 0);
});
