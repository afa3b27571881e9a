// The options every Baileys socket is built with, in one place. The server address comes only
// from the environment (CLAWLINE_WA_URL, for the simulator), never from the config file, so a
// config edit can never point a real account at a different server.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { platform } from 'node:os';
import { rootCertificates } from 'node:tls';
import {
  Browsers,
  DEFAULT_CONNECTION_CONFIG,
  MISSING_KEYS_ERROR_TEXT,
  type AuthenticationState,
  type SignalKeyStore,
  type SocketConfig,
  type UserFacingSocketConfig,
  type WAVersion,
} from '@whiskeysockets/baileys';

export interface SocketEnvironment {
  /** ws:// or wss:// URL of a WhatsApp Web server to use instead of the real one. */
  waUrl?: string;
  /** PEM file whose certificate(s) are trusted for that server and its media host. */
  caPath?: string;
}

export function socketEnvironment(env: NodeJS.ProcessEnv = process.env): SocketEnvironment {
  return { waUrl: env.CLAWLINE_WA_URL || undefined, caPath: env.CLAWLINE_WA_CA || undefined };
}

/** A standard browser identity: WhatsApp rejects pairing codes from unusual ones. */
export function standardBrowser(): [string, string, string] {
  const os = platform();
  if (os === 'darwin') return Browsers.macOS('Chrome');
  if (os === 'win32') return Browsers.windows('Chrome');
  return Browsers.ubuntu('Chrome');
}

const agents = new Map<string, Agent>();
const fetchTrusted = new Map<string, string>();
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * Baileys 7 downloads media with the global fetch, which ignores https agents. Only when
 * CLAWLINE_WA_CA is set (simulator runs), make this process's fetch trust that CA on top of the
 * usual roots, by installing an Agent of the same class Node bundles into fetch's dispatcher slot
 * (the technique docs/simulator.md describes; no `undici` dependency needed).
 */
export function trustCaForMediaDownloads(caPath: string, caPem: string): void {
  if (fetchTrusted.get(caPath) === caPem) return;
  const slot = globalThis as unknown as Record<symbol, object | undefined>;
  void new Request('http://127.0.0.1/'); // makes Node load its bundled undici and install the default Agent
  const current = slot[GLOBAL_DISPATCHER];
  if (!current) return;
  fetchTrusted.delete(caPath);
  fetchTrusted.set(caPath, caPem);
  const DispatcherAgent = current.constructor as new (opts: { connect: { ca: string[] } }) => object;
  // Newest first: simulators name every CA alike, and OpenSSL tries the first issuer with that name.
  slot[GLOBAL_DISPATCHER] = new DispatcherAgent({ connect: { ca: [...[...fetchTrusted.values()].reverse(), ...rootCertificates] } });
}

/** One https.Agent per CA file (agents pool sockets; making one per reconnect would leak). */
export function agentForCa(caPath: string): Agent {
  let agent = agents.get(caPath);
  if (!agent) {
    let ca: Buffer;
    try {
      ca = readFileSync(caPath);
    } catch (err) {
      throw new Error(`CLAWLINE_WA_CA points to ${caPath}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set it to the simulator's CA certificate file or unset it.`);
    }
    agent = new Agent({ ca, keepAlive: false });
    agents.set(caPath, agent);
    trustCaForMediaDownloads(caPath, ca.toString('utf8'));
  }
  return agent;
}

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
export const makeRetryingSignalRepository: SocketConfig['makeSignalRepository'] = (auth, logger, pnToLid) => {
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

export interface SocketConfigInput {
  auth: AuthenticationState;
  logger: SocketConfig['logger'];
  version: WAVersion;
  environment: SocketEnvironment;
  /** Baileys' keep-alive ping interval (it closes with 408 after interval + 5 s without frames). */
  keepAliveIntervalMs?: number;
  connectTimeoutMs?: number;
  /** Fixed lifetime per QR; unset = Baileys' 60 s then 20 s. */
  qrTimeoutMs?: number;
  /** Extra Baileys options from the message pipeline (getMessage, cachedGroupMetadata...). */
  extra?: Partial<UserFacingSocketConfig>;
}

export function buildSocketConfig(input: SocketConfigInput): UserFacingSocketConfig {
  const { environment } = input;
  const agent = environment.caPath ? agentForCa(environment.caPath) : undefined;
  return {
    ...input.extra,
    // creds: the live object the store saves; read through so it is always the store's.
    auth: { get creds() { return input.auth.creds; }, keys: withSessionPruning(input.auth.keys) },
    logger: input.logger,
    version: input.version,
    browser: standardBrowser(),
    ...(environment.waUrl ? { waWebSocketUrl: environment.waUrl } : {}),
    // Media uploads (and a wss:// handshake) trust the given CA; ws refuses an https agent for
    // ws://. Downloads go through the global fetch: agentForCa() made that trust it too.
    ...(agent ? { fetchAgent: agent, ...(environment.waUrl?.startsWith('wss:') ? { agent } : {}) } : {}),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    makeSignalRepository: makeRetryingSignalRepository,
    ...(input.keepAliveIntervalMs ? { keepAliveIntervalMs: input.keepAliveIntervalMs } : {}),
    ...(input.connectTimeoutMs ? { connectTimeoutMs: input.connectTimeoutMs } : {}),
    ...(input.qrTimeoutMs ? { qrTimeout: input.qrTimeoutMs } : {}),
  };
}
