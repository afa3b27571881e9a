// Linking end to end: the real Baileys against the simulator, QR and pairing code, the 515
// restart with saved credentials, a process restart without a QR, and the QR-expired end state.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { ConnectionError } from '../../main/connection/index.ts';
import { statePaths } from '../../main/shared/state-dir.ts';
import { delay, harness, linkByQr, recordStates, waitState } from './sim-helpers.ts';

test('link by QR: rendered QR -> scan -> 515 -> connected with the linked number; a restart needs no QR', async (t) => {
  const h = await harness(t);
  await h.manager.start();
  const conn = h.manager.account('default')!;
  assert.equal(conn.status().state, 'not-linked');
  assert.equal(conn.status().fix, 'link');
  const states = recordStates(conn);
  const firstQrSeenAt: number[] = [];
  conn.on('status', (s) => { if (s.linking?.qr && firstQrSeenAt.length === 0) firstQrSeenAt.push(Date.now()); });
  const linked: string[] = [];
  h.manager.on('linked', (id, who) => linked.push(`${id}:${who.number}`));

  const before = Date.now();
  const connected = await linkByQr(h.sim, conn);
  const account = h.sim.state().accounts[0]!;
  assert.equal(connected.self?.number, `+${account.phone}`);
  assert.ok(connected.self?.lid?.endsWith('@lid'));
  assert.deepEqual(linked, [`default:+${account.phone}`]);
  assert.equal(connected.waWebVersion?.source, 'simulator');
  assert.ok(connected.lastConnectedAt! >= before);

  const showing = states.find((s) => s.linking?.qrDataUrl)!;
  assert.equal(showing.state, 'linking');
  assert.match(showing.linking!.qr!, /^https:\/\/wa\.me\/settings\/linked_devices#/);
  // The first QR lives 60 s from when it was shown (Baileys' schedule).
  const shownAt = showing.linking!.qrExpiresAt! - 60_000;
  assert.ok(shownAt >= before && shownAt <= firstQrSeenAt[0]!, 'expiry = time shown + 60 s');
  assert.ok(states.some((s) => s.state === 'connecting' && s.linking?.scanned), 'scanned, waiting for the restart');
  // The phone's confirmation ended with 515 and the next socket logged in with the saved creds.
  assert.equal(connected.lastDisconnect?.code, 515);
  assert.equal(h.sim.state().logins, 1);
  assert.equal(connected.cause, undefined);

  // Restart of the process: a new manager on the same state dir reconnects without any QR.
  await h.manager.stop();
  assert.equal(conn.status().state, 'stopped');
  const next = h.newManager();
  await next.start();
  const again = next.account('default')!;
  const againStates = recordStates(again);
  await waitState(again, 'connected');
  assert.equal(again.status().self?.number, `+${account.phone}`);
  assert.ok(!againStates.some((s) => s.state === 'linking'));
  assert.equal(h.sim.state().logins, 2);
  assert.equal(h.sim.state().linking.length, 1, 'no second linking attempt');
});

test('link by phone number: the code is shown as ABCD-EFGH and the phone takes it', async (t) => {
  const h = await harness(t);
  await h.manager.start();
  const conn = h.manager.account('default')!;
  await assert.rejects(conn.link({ method: 'code', phone: 'call me' }), (err: unknown) => err instanceof ConnectionError && err.code === 'bad-request' && /with country code/.test(err.message));

  await conn.link({ method: 'code', phone: '+1 (555) 000-4242' });
  const showing = await conn.waitForStatus((s) => Boolean(s.linking?.code), 15_000);
  assert.match(showing.linking!.code!, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  assert.equal(showing.linking!.method, 'code');
  assert.match(showing.nextStep!, new RegExp(`Link with phone number instead.*${showing.linking!.code}`));
  // Baileys shows the code as soon as it sent the request; the server registers it a moment later.
  await h.sim.waitFor(() => h.sim.phone.pendingCodes().includes('15550004242'), { what: 'the code request' });

  const result = await h.sim.phone.code(showing.linking!.code!, { phone: '15550004242' });
  assert.equal(result.outcome, 'linked', result.error);
  const connected = await waitState(conn, 'connected');
  assert.equal(connected.self?.number, '+15550004242');
  assert.equal(connected.lastDisconnect?.code, 515);
  await assert.rejects(conn.link({ method: 'qr' }), (err: unknown) => err instanceof ConnectionError && err.code === 'already-linked');
});

test('QR expired: each QR is surfaced with its lifetime, then a clear end state and no retry loop', async (t) => {
  // 3 refs of 300 ms each, on both sides.
  const h = await harness(t, { simOptions: { linking: { refs: 3, refTtlMs: [300, 300] } }, manager: { qrTimeoutMs: 300 } });
  await h.manager.start();
  const conn = h.manager.account('default')!;
  const states = recordStates(conn);
  await conn.link({ method: 'qr' });
  const ended = await waitState(conn, 'not-linked', 15_000);
  const qrs = [...new Set(states.map((s) => s.linking?.qr).filter(Boolean))];
  assert.equal(qrs.length, 3, 'Baileys rotated through every ref');
  for (const s of states.filter((x) => x.linking?.qrExpiresAt)) {
    assert.ok(s.linking!.qrExpiresAt! > Date.now() - 5_000);
  }
  assert.equal(ended.linking?.stall?.kind, 'qr-expired');
  assert.match(ended.nextStep!, /^QR expired — get a new one/);
  assert.equal(ended.fix, 'link');
  assert.equal(ended.lastDisconnect?.code, 408);
  assert.equal(ended.linking?.qr, undefined);

  // Nothing retries by itself: no socket, no new QR.
  const count = states.length;
  await delay(1_000);
  assert.equal(h.sim.state().sockets, 0);
  assert.equal(states.length, count);
  // The attempt's files are gone (its keys were never registered).
  assert.deepEqual(await readdir(statePaths(h.stateDir).accountAuthDir('default')).catch(() => []), []);

  // Linking restarts on request.
  await conn.link({ method: 'qr' });
  const fresh = await conn.waitForStatus((s) => Boolean(s.linking?.qr), 10_000);
  assert.ok(!qrs.includes(fresh.linking!.qr!));
  assert.equal(fresh.linking?.stall, undefined);
  await conn.cancelLink();
  assert.equal(conn.status().state, 'not-linked');
});

test('the phone refuses or stalls: linking ends in plain words, never a loop', async (t) => {
  const h = await harness(t, { simOptions: { linking: { refs: 2, refTtlMs: [1_500, 1_500] } }, manager: { qrTimeoutMs: 1_500 } });
  await h.manager.start();
  const conn = h.manager.account('default')!;

  h.sim.fault({ kind: 'refuse-linking' });
  await conn.link({ method: 'qr' });
  let showing = await conn.waitForStatus((s) => Boolean(s.linking?.qr), 10_000);
  assert.equal((await h.sim.phone.scan(showing.linking!.qr!)).outcome, 'refused');
  // WhatsApp tells the companion nothing about a refusal: the end state names the phone's message.
  let ended = await waitState(conn, 'not-linked', 15_000);
  assert.match(ended.nextStep!, /Can't link devices at this time/);
  assert.match(ended.nextStep!, /wait an hour/);

  // The passkey step: the server sends passkey_prologue_request over the wire, which Baileys cannot answer.
  h.sim.fault({ kind: 'stall-linking' });
  await conn.link({ method: 'qr' });
  showing = await conn.waitForStatus((s) => Boolean(s.linking?.qr), 10_000);
  assert.equal((await h.sim.phone.scan(showing.linking!.qr!)).outcome, 'stalled');
  const flagged = await conn.waitForStatus((s) => s.linking?.stall?.kind === 'passkey-required', 5_000);
  assert.equal(flagged.state, 'linking');
  assert.match(flagged.linking!.stall!.cause, /passkey/);
  ended = await waitState(conn, 'not-linked', 10_000);
  assert.equal(ended.linking?.stall?.kind, 'passkey-required');
  assert.match(ended.cause!, /not confirmed within 2 s/);
  assert.match(ended.nextStep!, /link another number/);
  await delay(500);
  assert.equal(h.sim.state().sockets, 0);
});
