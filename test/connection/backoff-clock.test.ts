// Reconnect timing through the real AccountConnection and real Baileys, with time driven by a
// FakeClock: the server address refuses connections, so every attempt fails at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../main/shared/clock.ts';
import { AccountConnection, ConnectionError, ConnectionManager, computeBackoff, normalizeReconnectPolicy } from '../../main/connection/index.ts';
import { closedPort, memoryAuthBackend, simulatorVersion, tempStateDir } from './helpers.ts';

const random = () => 0.75; // +12.5 % jitter, deterministic

test('failed attempts back off 2 s x1.8 with jitter, visibly, then give up', async (t) => {
  const clock = new FakeClock();
  const stateDir = await tempStateDir(t);
  const env = { CLAWLINE_WA_URL: `ws://127.0.0.1:${await closedPort()}/ws/chat` };
  const reconnect = { maxAttempts: 4 };
  const conn = new AccountConnection({ accountId: 'default', stateDir, env, clock, random, reconnect, auth: memoryAuthBackend(), waVersion: simulatorVersion });
  t.after(() => conn.stop());
  const policy = normalizeReconnectPolicy(reconnect);
  await conn.start();
  for (let attempt = 1; attempt <= 4; attempt++) {
    const s = await conn.waitForStatus((x) => x.state === 'reconnecting' && x.reconnectAttempts === attempt, 10_000);
    const expected = computeBackoff(policy, attempt, random);
    assert.equal(s.nextRetryAt! - clock.now(), expected, `delay before attempt ${attempt}`);
    assert.match(s.nextStep!, new RegExp(`attempt ${attempt} of 4`));
    assert.equal(s.lastDisconnect?.code, 408);
    // One millisecond early: nothing happens.
    clock.advance(expected - 1);
    assert.equal(conn.status().state, 'reconnecting');
    clock.advance(1);
  }
  const final = await conn.waitForStatus((x) => x.state === 'stopped', 10_000);
  assert.match(final.cause!, /gave up reconnecting after 4 attempts/);
  assert.equal(final.fix, 'reconnect-now');
  assert.deepEqual(clock.pending(), [], 'no timer left: no loop');
  // The delays grew: 2250, 4050, 7290, 13122 ms with this jitter.
  assert.deepEqual([1, 2, 3, 4].map((a) => computeBackoff(policy, a, random)), [2250, 4050, 7290, 13122]);
});

test('sends wait through a reconnect, bounded; with nothing coming they fail at once', async (t) => {
  const clock = new FakeClock();
  const stateDir = await tempStateDir(t);
  const env = { CLAWLINE_WA_URL: `ws://127.0.0.1:${await closedPort()}/ws/chat` };
  const manager = new ConnectionManager({ stateDir, env, clock, random, reconnect: { maxAttempts: 1 }, sendWaitMs: 1_000, auth: memoryAuthBackend(), resolveVersion: simulatorVersion, accounts: [{ accountId: 'default' }, { accountId: 'off', enabled: false }] });
  t.after(() => manager.stop());
  await manager.start();
  const conn = manager.account('default')!;
  await conn.waitForStatus((s) => s.state === 'reconnecting', 10_000);

  const waiting = manager.waitForSocket('default');
  clock.advance(999);
  clock.advance(1);
  await assert.rejects(waiting, (err: unknown) => err instanceof ConnectionError && err.code === 'send-timeout' && /did not reconnect within 1 s/.test(err.message));

  await assert.rejects(manager.sendMessage('nobody', '1@s.whatsapp.net', { text: 'x' }), (err: unknown) => {
    assert.ok(err instanceof ConnectionError);
    assert.equal(err.code, 'no-active-listener');
    assert.match(err.message, /No active WhatsApp listener: no WhatsApp account "nobody"/);
    assert.match(err.message, /clawline gateway run/);
    return true;
  });
  const off = manager.statuses().find((s) => s.accountId === 'off')!;
  assert.equal(off.enabled, false);
  assert.equal(off.state, 'stopped');
  assert.match(off.cause!, /disabled in the config/);
  await assert.rejects(manager.waitForSocket('off'), (err: unknown) => err instanceof ConnectionError && err.code === 'no-active-listener' && /state: stopped/.test(err.message));

  // Let the last retry fail: the account gives up and a waiting send fails then, not later.
  const pending = manager.waitForSocket('default', 60_000);
  const failed = assert.rejects(pending, (err: unknown) => err instanceof ConnectionError && err.code === 'no-active-listener');
  clock.advance(conn.status().nextRetryAt! - clock.now());
  await conn.waitForStatus((s) => s.state === 'stopped', 10_000);
  await failed;
});
