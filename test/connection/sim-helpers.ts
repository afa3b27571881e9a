// End-to-end helpers: the real Baileys inside AccountConnection/ConnectionManager against the
// project's simulator (sim/), with every timing shortened so a file runs in seconds.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../sim/index.ts';
import { ConnectionManager, type AccountConnection, type AccountStatus, type ConnectionManagerOptions } from '../../main/connection/index.ts';

// pngjs ships no types and jsqr's default export is CJS: load both untyped, typed here.
const require = createRequire(import.meta.url);
const { PNG } = require('pngjs') as { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } } };
const jsQR = require('jsqr') as (data: Uint8ClampedArray, w: number, h: number) => { data: string } | null;

// Baileys 7.0.0-rc14 races every pre-key upload against a 30 s setTimeout it never clears, so
// each first login after linking keeps the process alive 30 s after everything is closed. In
// tests only, that one timer is unref'd (recognised by its exact delay and caller).
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = Object.assign(function patchedSetTimeout(this: unknown, ...args: Parameters<typeof setTimeout>) {
  const timer = realSetTimeout.apply(this, args);
  if (args[1] === 30_000 && /uploadPreKeys/.test(new Error().stack ?? '')) timer.unref();
  return timer;
}, realSetTimeout) as typeof setTimeout;

interface TestContext {
  after(fn: () => Promise<void> | void): void;
}

/** Short timings: pings every 250 ms, dead after 1.5 s of nothing, retries from 100 ms. */
export const FAST = {
  keepAliveIntervalMs: 250,
  livenessWindowMs: 1_500,
  heartbeatMs: 3_000,
  connectTimeoutMs: 5_000,
  pairConfirmTimeoutMs: 2_000,
  sendWaitMs: 10_000,
  logoutConnectTimeoutMs: 5_000,
  reconnect: { initialMs: 100, maxMs: 400, factor: 2, jitter: 0.2, maxAttempts: 6 },
} as const;

export interface Harness {
  sim: Simulator;
  stateDir: string;
  manager: ConnectionManager;
  env: NodeJS.ProcessEnv;
  /** A second manager on the same state dir (a restarted process). */
  newManager(over?: Partial<ConnectionManagerOptions>): ConnectionManager;
}

export async function harness(t: TestContext, opts: { simOptions?: SimulatorOptions; manager?: Partial<ConnectionManagerOptions> } = {}): Promise<Harness> {
  const sim = await startSimulator({ quiet: true, ...opts.simOptions });
  const stateDir = await mkdtemp(join(tmpdir(), 'clw-conn-'));
  const managers: ConnectionManager[] = [];
  // One hook, in order: stop every account, then the server, then remove the files.
  t.after(async () => {
    await Promise.all(managers.map((m) => m.stop()));
    await sim.close();
    await rm(stateDir, { recursive: true, force: true });
  });
  const env = { CLAWLINE_WA_URL: sim.url, CLAWLINE_WA_CA: sim.ca };
  const make = (over: Partial<ConnectionManagerOptions> = {}) => {
    const m = new ConnectionManager({ stateDir, env, ...FAST, ...opts.manager, ...over });
    managers.push(m);
    return m;
  };
  return { sim, stateDir, env, manager: make(), newManager: make };
}

/** Reads the QR back from the rendered PNG, as a person's phone would. */
export function decodeQrDataUrl(dataUrl: string): string {
  const png = PNG.sync.read(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  assert.ok(decoded, 'the rendered QR code decodes');
  return decoded.data;
}

export const waitState = (conn: AccountConnection, state: AccountStatus['state'], timeoutMs = 20_000, extra: (s: AccountStatus) => boolean = () => true) =>
  conn.waitForStatus((s) => s.state === state && extra(s), timeoutMs);

/** Links the account by QR (scanning the rendered image) and waits until it is connected and ready. */
export async function linkByQr(sim: Simulator, conn: AccountConnection, phone?: string): Promise<AccountStatus> {
  await conn.link({ method: 'qr' });
  const showing = await conn.waitForStatus((s) => Boolean(s.linking?.qrDataUrl), 15_000);
  const result = await sim.phone.scan(decodeQrDataUrl(showing.linking!.qrDataUrl!), phone ? { phone } : {});
  assert.equal(result.outcome, 'linked', result.error);
  const connected = await waitState(conn, 'connected');
  await sim.waitForReady(result.device);
  return connected;
}

/** Records every status an account goes through. */
export function recordStates(conn: AccountConnection): AccountStatus[] {
  const seen: AccountStatus[] = [];
  conn.on('status', (s) => seen.push(s));
  return seen;
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
