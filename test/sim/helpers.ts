// Shared setup for tests that drive the real, unmodified Baileys against the simulator:
// linkRawBaileys(sim) links a fresh auth folder (QR or pairing code), survives the 515 restart
// and returns a connected client whose socket is ready for messages.
import { Agent } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import makeWASocket, {
  Browsers,
  UPLOAD_TIMEOUT,
  useMultiFileAuthState,
  type AuthenticationState,
  type UserFacingSocketConfig,
  type WAMessage,
  type WASocket,
} from '@whiskeysockets/baileys';
import pino from 'pino';
import type { Simulator } from '../../sim/index.ts';

export interface Upsert {
  message: WAMessage;
  type: 'notify' | 'append';
  at: number;
}

export interface Close {
  statusCode: number | undefined;
  message: string | undefined;
}

export interface RawClient {
  /** The current socket (replaced by reconnect()). */
  sock: WASocket;
  authDir: string;
  state: AuthenticationState;
  /** Our device JID (phone:device@s.whatsapp.net) and LID. */
  readonly jid: string;
  readonly lid: string;
  /** The account's phone number. */
  readonly phone: string;
  /** Every messages.upsert message seen by any socket of this client, in order. */
  upserts: Upsert[];
  /** Every messages.update seen (status changes from receipts). */
  updates: { id: string; status?: number | null }[];
  /** Close reasons of every socket so far, in order. */
  closes: Close[];
  /** Opens a new socket with the saved credentials; resolves when it is open and ready. */
  reconnect(overrides?: Partial<UserFacingSocketConfig>): Promise<WASocket>;
  /** Resolves with the current socket's close (status code as Baileys reports it). */
  nextClose(timeoutMs?: number): Promise<Close>;
  /** Resolves with the first upsert (from now on or already seen) matching `match`. */
  waitForUpsert(match: (u: Upsert) => boolean, timeoutMs?: number): Promise<Upsert>;
  /** Resolves once `predicate` holds; re-checked on every upsert, update and close of this client. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Closes the socket (no logout) and deletes the auth folder. */
  cleanup(): Promise<void>;
}

export interface LinkOptions {
  method?: 'qr' | 'code';
  /** Phone number of the account to link to (default: a fresh one for QR; required-ish for code). */
  phone?: string;
  /** Extra Baileys socket config (keepAliveIntervalMs, qrTimeout, ...). */
  socket?: Partial<UserFacingSocketConfig>;
  timeoutMs?: number;
}

const silent = pino({ level: 'silent' });

// Baileys 7.0.0-rc14 leaves long guard timers running after a socket has ended: every prekey
// upload races a 30 s setTimeout it never clears, and a query still in flight at end() keeps its
// 60 s timeout (end() drops the 'close' listeners that would have rejected it). Each keeps a
// finished test process alive for up to a minute, so timers of 30 s and more created by Baileys
// (or the ws it uses) are unref'd in processes that import these helpers; they still fire if
// the process is alive anyway. Other code's timers are left alone.
const LIBRARY_TIMER = /node_modules[\\/](@whiskeysockets[\\/]baileys|ws)[\\/]/;
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = Object.assign(
  ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = realSetTimeout(handler, ms, ...args);
    if (typeof ms === 'number' && ms >= UPLOAD_TIMEOUT && LIBRARY_TIMER.test(new Error().stack ?? '')) timer.unref();
    return timer;
  }) as typeof setTimeout,
  realSetTimeout,
);

/** Baileys socket config pointed at the simulator, as an app would build it. */
export function rawSocketConfig(sim: Pick<Simulator, 'url' | 'caPem'>, state: AuthenticationState, overrides: Partial<UserFacingSocketConfig> = {}): UserFacingSocketConfig {
  return {
    waWebSocketUrl: sim.url,
    auth: state,
    logger: silent,
    browser: Browsers.ubuntu('Chrome'),
    // Uploads go through https with this agent; downloads use global fetch (see trustCaForFetch).
    fetchAgent: new Agent({ ca: sim.caPem }),
    ...overrides,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** Resolves with the socket's close, as Baileys reports it in connection.update. */
export function closeOf(sock: WASocket): Promise<Close> {
  return new Promise((resolve) => {
    sock.ev.on('connection.update', (u) => {
      if (u.connection === 'close') {
        const err = u.lastDisconnect?.error as { output?: { statusCode?: number }; message?: string } | undefined;
        resolve({ statusCode: err?.output?.statusCode, message: err?.message });
      }
    });
  });
}

/**
 * Links a new raw Baileys client to the simulator (QR by default, or pairing code), handles the
 * 515 restart like an app must, and resolves once the socket is open and ready for messages.
 */
export async function linkRawBaileys(sim: Simulator, opts: LinkOptions = {}): Promise<RawClient> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const authDir = await mkdtemp(join(tmpdir(), 'clawline-sim-auth-'));
  const { state, saveCreds } = await useMultiFileAuthState(authDir);
  const upserts: Upsert[] = [];
  const updates: RawClient['updates'] = [];
  const closes: Close[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };

  const open = (overrides: Partial<UserFacingSocketConfig>): { sock: WASocket; closed: Promise<Close>; opened: Promise<void> } => {
    const sock = makeWASocket(rawSocketConfig(sim, state, { ...opts.socket, ...overrides }));
    sock.ev.on('creds.update', saveCreds);
    sock.ev.on('messages.upsert', ({ messages, type }) => {
      for (const message of messages) upserts.push({ message, type, at: Date.now() });
      wake();
    });
    sock.ev.on('messages.update', (list) => {
      for (const u of list) updates.push({ id: u.key.id ?? '', status: u.update.status });
      wake();
    });
    const closed = closeOf(sock).then((c) => {
      closes.push(c);
      wake();
      return c;
    });
    const opened = new Promise<void>((resolve, reject) => {
      sock.ev.on('connection.update', (u) => {
        if (u.connection === 'open') resolve();
      });
      void closed.then((c) => reject(Object.assign(new Error(`socket closed before open: ${c.statusCode} ${c.message}`), { close: c })));
    });
    opened.catch(() => undefined);
    return { sock, closed, opened };
  };

  // 1. A socket without credentials shows QR refs; the simulated phone scans one (or takes a code).
  const first = open({});
  let linkError: Error | undefined;
  const linked = new Promise<void>((resolve) => {
    let started = false;
    first.sock.ev.on('connection.update', async (u) => {
      if (!u.qr || started) return;
      started = true;
      try {
        const result =
          opts.method === 'code'
            ? await sim.phone.code(await first.sock.requestPairingCode(opts.phone ?? '15550009999'))
            : await sim.phone.scan(u.qr, opts.phone ? { phone: opts.phone } : {});
        if (!result.ok) linkError = new Error(`linking failed: ${result.outcome} ${result.error ?? ''}`);
      } catch (err) {
        linkError = err as Error;
      }
      resolve();
    });
  });
  await withTimeout(linked, timeoutMs, 'the phone to link');
  if (linkError) throw linkError;

  // 2. The server ends the pairing socket with 515; the app must reconnect with the saved creds.
  const restart = await withTimeout(first.closed, timeoutMs, 'the 515 restart');
  if (restart.statusCode !== 515) throw new Error(`expected 515 after pairing, got ${restart.statusCode} ${restart.message}`);

  let current = open({});
  await withTimeout(current.opened, timeoutMs, 'the login after 515');
  const me = () => state.creds.me!;
  await sim.waitForReady(me().id, { timeoutMs });

  const client: RawClient = {
    get sock() {
      return current.sock;
    },
    set sock(_v) {
      throw new Error('use reconnect()');
    },
    authDir,
    state,
    get jid() {
      return me().id;
    },
    get lid() {
      return me().lid ?? '';
    },
    get phone() {
      return me().id.split(':')[0]!;
    },
    upserts,
    updates,
    closes,
    async reconnect(overrides = {}) {
      current = open(overrides);
      await withTimeout(current.opened, timeoutMs, 'reconnect');
      await sim.waitForReady(me().id, { timeoutMs });
      return current.sock;
    },
    nextClose(ms = timeoutMs) {
      return withTimeout(current.closed, ms, 'the socket to close');
    },
    waitFor(predicate, ms = timeoutMs, what = 'a client condition') {
      return withTimeout(
        new Promise<void>((resolve) => {
          const check = () => {
            if (!predicate()) return;
            waiters.delete(check);
            resolve();
          };
          waiters.add(check);
          check();
        }),
        ms,
        what,
      );
    },
    async waitForUpsert(match, ms = timeoutMs) {
      await client.waitFor(() => upserts.some(match), ms, 'a messages.upsert');
      return upserts.find(match)!;
    },
    async cleanup() {
      await current.sock.end(undefined).catch(() => undefined);
      await rm(authDir, { recursive: true, force: true });
    },
  };
  return client;
}

/** Text of a Baileys message, whatever the wrapper. */
export function textOf(m: WAMessage): string | undefined {
  const msg = m.message;
  return msg?.conversation ?? msg?.extendedTextMessage?.text ?? msg?.imageMessage?.caption ?? undefined;
}
