// The window's words (pure functions, shared with the tray): durations, ages, account states,
// phone-number checks and pairing-code display.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAllowEntry, checkPhone, describeAccount, formatAgo, formatCode, formatDuration, formatIn, normalizeFindingPath, overallWords } from '../../renderer/format.ts';
import type { AccountStatus } from '../../main/connection/status.ts';

const T = 1_750_000_000_000;
const acc = (state: AccountStatus['state'], extra: Partial<AccountStatus> = {}): AccountStatus => ({ accountId: 'default', enabled: true, state, reconnectAttempts: 0, ...extra });

test('durations and ages read like a person would say them', () => {
  assert.equal(formatDuration(12), '12 s');
  assert.equal(formatDuration(65), '1 min 5 s');
  assert.equal(formatDuration(120), '2 min');
  assert.equal(formatDuration(19 * 60 + 56), '20 min');
  assert.equal(formatDuration(3 * 3600 + 60), '3 h 1 min');
  assert.equal(formatAgo(T - 10_000, T), 'just now');
  assert.equal(formatAgo(T - 5 * 60_000, T), '5 min ago');
  assert.equal(formatAgo(T - 3 * 3600_000, T), '3 h ago');
  assert.equal(formatAgo(T - 26 * 3600_000, T), 'yesterday');
  assert.equal(formatIn(T + 55 * 60_000, T), 'in 55 min');
  assert.equal(formatIn(T - 1, T), 'now');
});

test('account states in words, with a live reconnect countdown', () => {
  assert.equal(describeAccount(acc('connected'), T).title, 'Connected');
  assert.equal(describeAccount(acc('reconnecting', { nextRetryAt: T + 12_000 }), T).title, 'Reconnecting in 12 s');
  assert.equal(describeAccount(acc('reconnecting', { nextRetryAt: T + 11_001 }), T).title, 'Reconnecting in 12 s');
  assert.equal(describeAccount(acc('reconnecting', { nextRetryAt: T - 5 }), T).title, 'Reconnecting now…');
  const nl = describeAccount(acc('not-linked'), T);
  assert.equal(nl.title, 'Not linked');
  assert.ok(nl.cause && nl.nextStep, 'not linked always explains and says what to do');
  assert.equal(describeAccount(acc('logged-out', { cause: 'Removed on the phone.' }), T).cause, 'Removed on the phone.');
  assert.equal(describeAccount(acc('linking', { linking: { method: 'qr', scanned: true } }), T).title, 'Finishing the link…');
  assert.equal(overallWords(undefined, T).title, 'Connecting to Clawline…');
  assert.equal(overallWords({ running: false, version: '1', accounts: [], pendingPairing: 0 }, T).title, 'Clawline is stopped');
  assert.equal(overallWords({ running: true, version: '1', accounts: [acc('connected'), acc('logged-out', { accountId: 'b' })], pendingPairing: 0 }, T).title, 'Logged out');
});

test('phone numbers: normalized to +E.164 as OpenClaw does, problems explained', () => {
  assert.deepEqual(checkPhone('+44 7700 900123'), { e164: '+447700900123' });
  assert.deepEqual(checkPhone('whatsapp:+1 (555) 010-0100'), { e164: '+15550100100' });
  assert.deepEqual(checkPhone('0049 151 1234 5678'), { e164: '+4915112345678' });
  assert.deepEqual(checkPhone('15550100'), { e164: '+15550100' });
  assert.match(checkPhone('').problem!, /country code/);
  assert.match(checkPhone('07700 900123').problem!, /not with 0/);
  assert.match(checkPhone('+44 12').problem!, /too short/);
  assert.match(checkPhone('+1234567890123456').problem!, /too long/);
  assert.match(checkPhone('call me').problem!, /only digits/);
  assert.match(checkPhone('44+7700').problem!, /\+ can only be at the start/);
  assert.deepEqual(checkAllowEntry(' * '), { e164: '*' });
});

test('pairing codes are shown as ABCD-EFGH; finding paths compare in one form', () => {
  assert.equal(formatCode('abcdefgh'), 'ABCD-EFGH');
  assert.equal(formatCode('ABCD-EFGH'), 'ABCD-EFGH');
  assert.equal(normalizeFindingPath('channels.whatsapp.allowFrom[2]'), 'channels.whatsapp.allowFrom.2');
});
