import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeBackoff, decideAfterClose, DEFAULT_RECONNECT_POLICY, normalizeReconnectPolicy, type CloseContext } from '../../main/connection/reconnect-policy.ts';
import type { DisconnectReason } from '../../main/connection/disconnect.ts';

const noJitter = { ...DEFAULT_RECONNECT_POLICY, jitter: 0 };

test('backoff grows 2 s x1.8 and is capped at 30 s', () => {
  const table: [number, number][] = [[1, 2000], [2, 3600], [3, 6480], [4, 11664], [5, 20995], [6, 30000], [7, 30000], [12, 30000]];
  for (const [attempt, ms] of table) assert.equal(computeBackoff(noJitter, attempt), ms, `attempt ${attempt}`);
});

test('jitter spreads each delay by at most 25 % and never past the cap', () => {
  const p = DEFAULT_RECONNECT_POLICY;
  assert.equal(computeBackoff(p, 1, () => 0), 1500);
  assert.equal(computeBackoff(p, 1, () => 0.999999), 2500);
  assert.equal(computeBackoff(p, 1, () => 0.5), 2000);
  assert.equal(computeBackoff(p, 10, () => 0.999999), 30000);
  assert.equal(computeBackoff(p, 10, () => 0), 22500);
});

test('nonsense policy values are clamped, never a tight loop', () => {
  const p = normalizeReconnectPolicy({ initialMs: 0, maxMs: -5, factor: 0.1, jitter: 7, maxAttempts: -3 });
  assert.equal(p.initialMs, 50);
  assert.equal(p.maxMs, 50);
  assert.equal(p.factor, 1);
  assert.equal(p.jitter, 1);
  assert.equal(p.maxAttempts, 0);
  for (let a = 1; a < 50; a++) assert.ok(computeBackoff(p, a, () => 0) >= 50);
  assert.deepEqual(normalizeReconnectPolicy({}), { ...DEFAULT_RECONNECT_POLICY });
  assert.equal(normalizeReconnectPolicy({ initialMs: Number.NaN }).initialMs, 2000);
});

const ctx = (over: Partial<CloseContext> = {}): CloseContext => ({ phase: 'session', attempts: 0, restartsSinceOpen: 0, policy: noJitter, ...over });

test('what each close leads to', () => {
  const rows: [DisconnectReason, Partial<CloseContext>, string][] = [
    [{ kind: 'restart-required' }, {}, 'restart-now'],
    [{ kind: 'restart-required' }, { restartsSinceOpen: 1 }, 'retry'],
    [{ kind: 'logged-out', by: 'phone', code: 401 }, {}, 'stop'],
    [{ kind: 'logged-out', by: 'server', code: 401 }, {}, 'stop'],
    [{ kind: 'replaced' }, {}, 'stop'],
    [{ kind: 'connection-closed' }, {}, 'retry'],
    [{ kind: 'connection-lost' }, {}, 'retry'],
    [{ kind: 'timed-out' }, {}, 'retry'],
    [{ kind: 'service-unavailable' }, {}, 'retry'],
    [{ kind: 'bad-session' }, {}, 'retry'],
    [{ kind: 'unknown', code: 499 }, {}, 'retry'],
    [{ kind: 'liveness-timeout', silentMs: 60000 }, {}, 'retry'],
    [{ kind: 'decrypt-repair', failures: 10 }, {}, 'restart-now'],
    [{ kind: 'qr-refs-ended' }, { phase: 'linking' }, 'stop'],
    [{ kind: 'connection-closed' }, { phase: 'linking' }, 'stop'],
    [{ kind: 'restart-required' }, { phase: 'linking' }, 'restart-now'],
    [{ kind: 'linking-refused' }, { phase: 'linking' }, 'stop'],
    [{ kind: 'passkey-stall', waitedMs: 1 }, { phase: 'linking' }, 'stop'],
    [{ kind: 'temporary-ban' }, {}, 'stop'],
    [{ kind: 'client-outdated' }, {}, 'stop'],
    [{ kind: 'stopped' }, {}, 'stop'],
    [{ kind: 'connection-closed' }, { attempts: 12 }, 'give-up'],
    [{ kind: 'connection-closed' }, { attempts: 11 }, 'retry'],
    [{ kind: 'connection-closed' }, { attempts: 500, policy: { ...noJitter, maxAttempts: 0 } }, 'retry'],
  ];
  for (const [reason, over, action] of rows) assert.equal(decideAfterClose(reason, ctx(over)).action, action, `${JSON.stringify(reason)} ${JSON.stringify(over)}`);
});

test('retries count up and wait the backoff for that attempt', () => {
  assert.deepEqual(decideAfterClose({ kind: 'service-unavailable' }, ctx({ attempts: 2 })), { action: 'retry', attempt: 3, delayMs: 6480 });
  assert.deepEqual(decideAfterClose({ kind: 'connection-closed' }, ctx({ attempts: 12 })), { action: 'give-up', attempts: 12 });
});
