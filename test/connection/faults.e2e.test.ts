// Every transient fault of the simulator against one linked account: the state users see, the
// next step, and that it heals by itself (real reconnects, real Baileys).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccountConnection } from '../../main/connection/index.ts';
import { delay, harness, linkByQr, recordStates, waitState, type Harness } from './sim-helpers.ts';

describe('transient faults heal by themselves', () => {
  let h: Harness;
  let conn: AccountConnection;

  const cleanups: (() => Promise<void> | void)[] = [];
  before(async () => {
    h = await harness({ after: (fn) => { cleanups.push(fn); } }, { manager: { decrypt: { burstThreshold: 1, repairCooldownMs: 0 } } });
    await h.manager.start();
    conn = h.manager.account('default')!;
    await linkByQr(h.sim, conn);
  });
  after(async () => { for (const fn of cleanups) await fn(); });

  /** Arms a fault and returns every status until the account is connected again. */
  async function throughFault(spec: Parameters<Harness['sim']['fault']>[0]) {
    const logins = h.sim.state().logins;
    const seen = recordStates(conn);
    h.sim.fault(spec);
    await conn.waitForStatus((s) => s.state === 'connected' && seen.some((x) => x.state !== 'connected'), 20_000);
    await h.sim.waitForLogins(logins + 1);
    await h.sim.waitForReady();
    return seen;
  }

  test('drop (socket closed): reconnecting with a countdown, then connected', async () => {
    const seen = await throughFault({ kind: 'drop' });
    const r = seen.find((s) => s.state === 'reconnecting')!;
    assert.equal(r.lastDisconnect?.code, 428);
    assert.match(r.cause!, /closed \(428\)/);
    assert.match(r.nextStep!, /reconnects by itself \(attempt 1 of 6\)/);
    assert.ok(r.nextRetryAt! > r.lastDisconnect!.at);
    assert.equal(r.fix, 'reconnect-now');
    assert.equal(conn.status().reconnectAttempts, 1);
    // Stayed up past the heartbeat: the attempt counter resets.
    await conn.waitForStatus((s) => s.reconnectAttempts === 0, 10_000);
  });

  test('drop (xmlstreamend): same', async () => {
    const seen = await throughFault({ kind: 'drop', mode: 'xmlstreamend' });
    assert.equal(seen.find((s) => s.state === 'reconnecting')?.lastDisconnect?.code, 428);
  });

  test('stream error 503: WhatsApp unavailable, retried', async () => {
    const seen = await throughFault({ kind: 'stream-error', code: 503 });
    const r = seen.find((s) => s.state === 'reconnecting')!;
    assert.equal(r.lastDisconnect?.code, 503);
    assert.match(r.cause!, /temporarily unavailable \(503\)/);
  });

  test('stream error 515: restarts at once, no backoff', async () => {
    const seen = await throughFault({ kind: 'stream-error', code: 515 });
    assert.ok(!seen.some((s) => s.state === 'reconnecting'));
    assert.equal(conn.status().lastDisconnect?.code, 515);
  });

  test('silence (a dead socket): detected from missing frames and healed', async () => {
    const seen = await throughFault({ kind: 'silence' });
    const r = seen.find((s) => s.state === 'reconnecting')!;
    assert.match(r.lastDisconnect!.reason, /no data for \d+ s/);
    assert.match(r.cause!, /No data arrived from WhatsApp/);
  });

  test('a quiet socket whose pings are answered is never restarted', async () => {
    const logins = h.sim.state().logins;
    const last = conn.status().lastDisconnect;
    // Three liveness windows without a single message.
    await delay(4_500);
    const s = conn.status();
    assert.equal(s.state, 'connected');
    assert.deepEqual(s.lastDisconnect, last);
    assert.equal(h.sim.state().logins, logins);
    assert.ok(Date.now() - s.lastFrameAt! < 1_500, 'frames keep arriving');
  });

  test('slow answers: still connected', async () => {
    const logins = h.sim.state().logins;
    h.sim.fault({ kind: 'slow', ms: 300, count: 4 });
    await delay(2_000);
    assert.equal(conn.status().state, 'connected');
    assert.equal(h.sim.state().logins, logins);
  });

  test('inbound messages reach the pipeline with the socket; duplicates that fail to decrypt are counted and repaired', async () => {
    const contact = h.sim.addContact({ name: 'Carla' });
    const got: string[] = [];
    h.manager.on('messages.upsert', (id, event, sock) => {
      assert.equal(id, 'default');
      assert.ok(sock.ws);
      for (const m of event.messages) if (m.message?.conversation) got.push(m.message.conversation);
    });
    await h.sim.send(contact.id, 'hello there');
    await conn.waitForStatus((s) => Boolean(s.lastInboundAt), 10_000);
    assert.deepEqual(got, ['hello there']);

    const logins = h.sim.state().logins;
    const seen = recordStates(conn);
    h.sim.fault({ kind: 'duplicate', mode: 'same-stanza' });
    await h.sim.send(contact.id, 'twice');
    // The replayed ciphertext cannot be decrypted again: counted, and (threshold 1) one repair reconnect.
    const repaired = await conn.waitForStatus((s) => /decryption failures/.test(s.lastDisconnect?.reason ?? ''), 10_000);
    assert.ok(seen.some((s) => s.decryptErrors === 1), 'the failure shows in the status');
    assert.equal(repaired.lastDisconnect?.code, undefined);
    await waitState(conn, 'connected');
    await h.sim.waitForLogins(logins + 1);
    assert.ok(got.includes('twice'));
  });
});
