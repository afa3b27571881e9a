// The options every Baileys socket is built with, in one place. The server address comes only
// from the environment (CLAWLINE_WA_URL, for the simulator), never from the config file, so a
// config edit can never point a real account at a different server.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { platform } from 'node:os';
import { rootCertificates } from 'node:tls';
import { makeResendingSignalRepository, SIGNAL_RETRY_BUDGET, withSessionPruning } from './signal-repository.ts';
import {
  Browsers,
  type AuthenticationState,
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
    makeSignalRepository: makeResendingSignalRepository,
    maxMsgRetryCount: SIGNAL_RETRY_BUDGET,
    ...(input.keepAliveIntervalMs ? { keepAliveIntervalMs: input.keepAliveIntervalMs } : {}),
    ...(input.connectTimeoutMs ? { connectTimeoutMs: input.connectTimeoutMs } : {}),
    ...(input.qrTimeoutMs ? { qrTimeout: input.qrTimeoutMs } : {}),
  };
}
