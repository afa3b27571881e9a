import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyDisconnect, type DisconnectReason } from '../../main/connection/disconnect.ts';
import { explainClose, explainNoListener, explainNotLinked, linkingStall } from '../../main/connection/explain.ts';
import { decideAfterClose, DEFAULT_RECONNECT_POLICY } from '../../main/connection/reconnect-policy.ts';
import { isHealthyState } from '../../main/connection/status.ts';

const boom = (statusCode: number, message: string, data?: unknown) => ({ message, output: { statusCode }, data });

test('Baileys close errors become typed reasons', () => {
  const rows: [ReturnType<typeof boom> | undefined, DisconnectReason][] = [
    [boom(515, 'Stream Errored (restart required)'), { kind: 'restart-required' }],
    [boom(401, 'Stream Errored (conflict)', { tag: 'conflict', attrs: { type: 'device_removed' } }), { kind: 'logged-out', by: 'phone', code: 401 }],
    [boom(401, 'Connection Failure', { reason: '401' }), { kind: 'logged-out', by: 'server', code: 401 }],
    [boom(401, 'Intentional Logout'), { kind: 'logged-out', by: 'user', code: 401 }],
    [boom(440, 'Stream Errored (conflict)', { tag: 'conflict', attrs: { type: 'replaced' } }), { kind: 'replaced' }],
    [boom(428, 'Connection Terminated'), { kind: 'connection-closed', message: 'Connection Terminated' }],
    [boom(408, 'QR refs attempts ended'), { kind: 'qr-refs-ended' }],
    [boom(408, 'Connection was lost'), { kind: 'connection-lost' }],
    [boom(408, 'WebSocket Error (timed out)'), { kind: 'timed-out', message: 'WebSocket Error (timed out)' }],
    [boom(503, 'Stream Errored (unknown)'), { kind: 'service-unavailable' }],
    [boom(405, 'Connection Failure'), { kind: 'client-outdated' }],
    [boom(411, 'Multi-device beta not joined'), { kind: 'multidevice-mismatch' }],
    [boom(500, 'Stream Errored (xml-not-well-formed)'), { kind: 'bad-session', message: 'Stream Errored (xml-not-well-formed)' }],
    [undefined, { kind: 'unknown', code: undefined, message: undefined }],
  ];
  for (const [err, expected] of rows) assert.deepEqual(classifyDisconnect(err, 0), expected);
  assert.deepEqual(classifyDisconnect(boom(402, 'Connection Failure', { reason: '402', expire: '3600' }), 1000), { kind: 'temporary-ban', until: 1000 + 3_600_000 });
});

const policy = DEFAULT_RECONNECT_POLICY;
const explain = (reason: DisconnectReason, phase: 'linking' | 'session' = 'session', method?: 'qr' | 'code') =>
  explainClose(reason, { accountId: 'work', action: decideAfterClose(reason, { phase, attempts: 0, restartsSinceOpen: 1, policy }), linking: phase === 'linking' ? method ?? 'qr' : undefined, maxAttempts: 12 });

test('every non-healthy outcome has a cause, a next step and a fix', () => {
  const reasons: DisconnectReason[] = [
    { kind: 'restart-required' }, { kind: 'logged-out', by: 'phone', code: 401 }, { kind: 'logged-out', by: 'server', code: 401 },
    { kind: 'logged-out', by: 'user', code: 401 }, { kind: 'replaced' }, { kind: 'connection-closed' }, { kind: 'connection-lost' },
    { kind: 'timed-out' }, { kind: 'service-unavailable' }, { kind: 'temporary-ban', until: 0 }, { kind: 'client-outdated' },
    { kind: 'multidevice-mismatch' }, { kind: 'bad-session' }, { kind: 'unknown', code: 499 }, { kind: 'liveness-timeout', silentMs: 61000 },
    { kind: 'decrypt-repair', failures: 10 }, { kind: 'lock-busy', ownerPid: 42 }, { kind: 'stopped' },
  ];
  for (const r of reasons) {
    const e = explain(r);
    if (!isHealthyState(e.state)) {
      assert.ok(e.cause && e.cause.length > 10, `cause for ${r.kind}`);
      assert.ok(e.nextStep && e.nextStep.length > 10, `next step for ${r.kind}`);
      assert.ok(e.fix, `fix for ${r.kind}`);
    }
  }
  const linkingEnds: DisconnectReason[] = [{ kind: 'qr-refs-ended' }, { kind: 'linking-refused' }, { kind: 'passkey-stall', waitedMs: 45000 }, { kind: 'code-rejected', message: 'bad' }, { kind: 'connection-closed' }, { kind: 'logged-out', by: 'server', code: 401 }];
  for (const r of linkingEnds) {
    const e = explain(r, 'linking');
    assert.equal(e.state, 'not-linked', r.kind);
    assert.equal(e.fix, 'link');
    assert.ok(e.stall?.cause && e.stall.nextStep, `stall for ${r.kind}`);
  }
});

test('the states users see for the classic failures', () => {
  assert.equal(explain({ kind: 'logged-out', by: 'phone', code: 401 }).state, 'logged-out');
  assert.equal(explain({ kind: 'logged-out', by: 'phone', code: 401 }).fix, 'relink');
  const conflict = explain({ kind: 'replaced' });
  assert.equal(conflict.state, 'conflict');
  assert.match(conflict.cause!, /another WhatsApp Web client \(maybe OpenClaw or a browser\)/i);
  assert.equal(conflict.fix, 'take-over');
  const lock = explain({ kind: 'lock-busy', ownerPid: 4242 });
  assert.equal(lock.state, 'conflict');
  assert.match(lock.cause!, /Another Clawline process on this computer \(pid 4242\)/);
  const drop = explain({ kind: 'connection-closed' });
  assert.equal(drop.state, 'reconnecting');
  assert.match(drop.nextStep!, /attempt 1 of 12/);
  const gaveUp = explainClose({ kind: 'connection-closed' }, { accountId: 'work', action: { action: 'give-up', attempts: 12 } });
  assert.equal(gaveUp.state, 'stopped');
  assert.match(gaveUp.cause!, /gave up reconnecting after 12 attempts/);
  assert.equal(gaveUp.fix, 'reconnect-now');
});

test('linking stalls in plain words', () => {
  assert.equal(explain({ kind: 'qr-refs-ended' }, 'linking').stall?.kind, 'qr-expired');
  assert.match(explain({ kind: 'qr-refs-ended' }, 'linking').nextStep!, /QR expired — get a new one/);
  assert.equal(explain({ kind: 'qr-refs-ended' }, 'linking', 'code').stall?.kind, 'code-expired');
  assert.equal(linkingStall({ kind: 'passkey-stall', waitedMs: 45000 }, 'qr').kind, 'passkey-required');
  assert.match(linkingStall({ kind: 'passkey-stall', waitedMs: 45000 }, 'qr').cause, /passkey/);
  assert.equal(linkingStall({ kind: 'linking-refused' }, 'qr').kind, 'cannot-link-now');
  assert.match(linkingStall({ kind: 'linking-refused' }, 'qr').cause, /can't link new devices/);
  assert.equal(linkingStall({ kind: 'connection-lost' }, 'qr').kind, 'phone-offline-or-clock');
  assert.match(linkingStall({ kind: 'connection-lost' }, 'qr').nextStep, /date and time/);
});

test('"no active listener" names the account and the fix', () => {
  const none = explainNoListener('work', undefined);
  assert.match(none.message, /No active WhatsApp listener/);
  assert.match(none.message, /"work"/);
  assert.match(none.nextStep, /clawline gateway run/);
  assert.match(explainNoListener('work', 'not-linked').nextStep, /channels login --account work/);
  assert.match(explainNotLinked('default').nextStep!, /scan the QR code/);
});
