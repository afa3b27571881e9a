// How Clawline changes Baileys' Signal layer (the sessions with every contact's devices), in one
// place, each change for a failure seen under load or after a kill:
//  - stored session records are pruned (libsignal never drops a receiving chain);
//  - a message whose key a killed process already used asks for a resend instead of being
//    dropped by the server;
//  - more resends for a message the other side cannot decrypt (SIGNAL_RETRY_BUDGET).
import {
  DEFAULT_CONNECTION_CONFIG,
  MISSING_KEYS_ERROR_TEXT,
  type SignalKeyStore,
  type SocketConfig,
} from '@whiskeysockets/baileys';

/** Closed receiving chains kept per Signal session, newest first (Signal's own libraries keep 5). */
export const CLOSED_RECEIVING_CHAINS_KEPT = 10;

const RECEIVING_CHAIN = 2; // libsignal's ChainType.RECEIVING

interface StoredChain {
  chainKey?: { key?: string };
  chainType?: number;
}

/**
 * libsignal-node never drops a receiving chain: each reply from a contact (a ratchet step) adds
 * one to the stored session for good, so the record, its file and the work to (de)serialize it
 * grow with every round trip. Worse in memory: Baileys' retry cache keeps the transaction of each
 * of the last 512 sends alive for 5 minutes (its timers carry the async context), each holding
 * a copy of the record. Here a stored record (libsignal's serialized form, edited in place)
 * keeps every open chain (the sending one and the current receiving one) and the newest `keep`
 * closed receiving chains. A message arriving more than `keep` ratchet steps late fails to decrypt
 * (Bad MAC; the session itself is untouched) and the contact re-sends it after our retry receipt:
 * the same trade Signal's own libraries make with their limit.
 * Returns the number of chains dropped.
 */
export function pruneSessionRecord(record: unknown, keep = CLOSED_RECEIVING_CHAINS_KEPT): number {
  const sessions = (record as { _sessions?: unknown } | null)?._sessions;
  if (!sessions || typeof sessions !== 'object') return 0;
  let dropped = 0;
  for (const entry of Object.values(sessions as Record<string, { _chains?: Record<string, StoredChain> }>)) {
    const chains = entry?._chains;
    if (!chains || typeof chains !== 'object') continue;
    // Chain ids are base64 keys, never integer-like, so the object keeps insertion order: oldest first.
    const closed = Object.keys(chains).filter((id) => chains[id]?.chainType === RECEIVING_CHAIN && !chains[id]?.chainKey?.key);
    for (const id of closed.slice(0, Math.max(0, closed.length - keep))) {
      delete chains[id];
      dropped++;
    }
  }
  return dropped;
}

/** The account's key store with every session record pruned on its way in (see pruneSessionRecord). */
export function withSessionPruning(keys: SignalKeyStore): SignalKeyStore {
  return {
    get: (type, ids) => keys.get(type, ids),
    set(data) {
      for (const value of Object.values(data.session ?? {})) pruneSessionRecord(value);
      return keys.set(data);
    },
    ...(keys.clear ? { clear: () => keys.clear!() } : {}),
  };
}

/** What a redelivered message that our Signal session already consumed fails with instead. */
export const CONSUMED_KEY_TEXT = 'message key already consumed by an earlier process (it died before acknowledging): asking the sender to resend';

/**
 * Baileys' Signal repository, but a message whose key our session has already used ("Key used
 * already or never filled") fails with another text, so Baileys asks the sender for it again
 * (retry receipt) instead of nacking it 487, which makes the server drop it for good. That is
 * what a process killed after decrypting a message, and before acknowledging it, leaves behind:
 * its session was saved, its journal never got the message. The sender re-encrypts it on a fresh
 * session; if it was in fact handled, the journal drops the copy as a duplicate.
 */
export const makeResendingSignalRepository: SocketConfig['makeSignalRepository'] = (auth, logger, pnToLid) => {
  const repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository(auth, logger, pnToLid);
  const decryptMessage = repository.decryptMessage.bind(repository);
  repository.decryptMessage = async (opts) => {
    try {
      return await decryptMessage(opts);
    } catch (err) {
      if ((err as Error | undefined)?.message === MISSING_KEYS_ERROR_TEXT) throw new Error(CONSUMED_KEY_TEXT, { cause: err });
      throw err;
    }
  };
  return repository;
};

/**
 * Baileys' `maxMsgRetryCount`. A phone asks up to 5 times for a message it cannot decrypt, each
 * time with fresh keys; Baileys counts every such request twice on the sending side, so its
 * default of 5 stops after 2 resends, and a reply sent on a session a crash left behind was then
 * never read. The same budget bounds our own requests for contacts' messages.
 */
export const SIGNAL_RETRY_BUDGET = 10;
