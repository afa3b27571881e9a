// Session records are pruned on their way to the key store: a long chat must not grow the
// record (and the memory and disk behind it) with every round trip, and must lose nothing that
// decrypting the next message needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignalDataTypeMap, SignalKeyStore } from '@whiskeysockets/baileys';
import { CLOSED_RECEIVING_CHAINS_KEPT, pruneSessionRecord, withSessionPruning } from '../../main/connection/signal-repository.ts';

const SENDING = 1;
const RECEIVING = 2;
const key = (n: number) => Buffer.from(`chain-${n}`.padEnd(33, '.')).toString('base64');

/** libsignal's serialized form: a sending chain, `closed` closed receiving chains (oldest first), one open. */
function record(closed: number) {
  const chains: Record<string, unknown> = {};
  for (let i = 0; i < closed; i++) chains[key(i)] = { chainKey: { counter: 3 }, chainType: RECEIVING, messageKeys: { 2: 'a2V5' } };
  chains[key(1000)] = { chainKey: { counter: 1, key: 'b3Blbg==' }, chainType: RECEIVING, messageKeys: {} };
  chains[key(2000)] = { chainKey: { counter: 5, key: 'c2VuZA==' }, chainType: SENDING, messageKeys: {} };
  return { _sessions: { [key(9999)]: { registrationId: 7, _chains: chains } }, version: 'v1' };
}
const chainIds = (r: ReturnType<typeof record>) => Object.keys(Object.values(r._sessions)[0]!._chains);

test('a session with 30 closed receiving chains keeps the sending chain, the open one and the newest 10 closed, in order', () => {
  const r = record(30);
  assert.equal(pruneSessionRecord(r), 30 - CLOSED_RECEIVING_CHAINS_KEPT);
  assert.deepEqual(chainIds(r), [...Array.from({ length: 10 }, (_, i) => key(20 + i)), key(1000), key(2000)]);
  assert.equal(pruneSessionRecord(r), 0, 'pruning again changes nothing');
});

test('a short session and malformed values are left alone', () => {
  const r = record(4);
  assert.equal(pruneSessionRecord(r), 0);
  assert.equal(chainIds(r).length, 6);
  for (const bad of [null, undefined, 'x', {}, { _sessions: null }, { _sessions: { a: null } }]) assert.equal(pruneSessionRecord(bad), 0);
});

test('the key store sees pruned session records and everything else unchanged', async () => {
  const written: Partial<Record<keyof SignalDataTypeMap, unknown>>[] = [];
  const inner: SignalKeyStore = { get: async () => ({}), set: async (data) => { written.push(data); } };
  const preKey = { public: new Uint8Array([1]), private: new Uint8Array([2]) };
  await withSessionPruning(inner).set({ session: { 'alice.0': record(25) as never }, 'pre-key': { 1: preKey } });
  const session = (written[0]!.session as Record<string, ReturnType<typeof record>>)['alice.0']!;
  assert.equal(chainIds(session).length, CLOSED_RECEIVING_CHAINS_KEPT + 2);
  assert.deepEqual((written[0]!['pre-key'] as Record<string, unknown>)[1], preKey);
});
