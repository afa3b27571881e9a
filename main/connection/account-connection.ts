// One WhatsApp account: its Baileys socket, linking (QR or pairing code), the status model,
// reconnects, liveness, decrypt repair, logout and reset. Decisions (what a close means, how
// long to wait, which words to show) live in pure modules; this class does the I/O and timing.
import { EventEmitter } from 'node:events';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import makeWASocket, {
  jidDecode,
  proto,
  type AnyMessageContent,
  type BaileysEventMap,
  type ConnectionState,
  type MiscMessageGenerationOptions,
  type UserFacingSocketConfig,
  type WAMessage,
  type WAMessageKey,
  type WASocket,
} from '@whiskeysockets/baileys';
import pino from 'pino';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import { statePaths } from '../shared/state-dir.ts';
import { defaultAuthBackend, type AccountAuthStore, type AuthBackend } from './auth-store.ts';
import { makeBaileysLogger, type PinoLike } from './baileys-logger.ts';
import { DecryptFailureMonitor, type DecryptMonitorOptions } from './decrypt-monitor.ts';
import { classifyDisconnect, reasonCode, type DisconnectReason } from './disconnect.ts';
import { ConnectionError, assertAccountId } from './errors.ts';
import { describeReason, explainClose, explainFailure, explainLinking, explainLoggedOutByYou, explainNoListener, explainNotLinked, explainSendTimeout, explainPhoneOffline, explainStopped, passkeyRequested, PHONE_OFFLINE_WARN_MS, refusal, type Explanation } from './explain.ts';
import { DEFAULT_LIVENESS_WINDOW_MS, LivenessWatch } from './liveness.ts';
import { AccountLockedError, acquireAccountLock, type AccountLock } from './lock.ts';
import { PhoneActivity } from './phone-activity.ts';
import { formatPairingCode, normalizePhoneForPairing, qrLifetimeMs, renderQrDataUrl } from './qr.ts';
import { DEFAULT_HEARTBEAT_MS, decideAfterClose, normalizeReconnectPolicy, type ReconnectPolicy } from './reconnect-policy.ts';
import { buildSocketConfig, socketEnvironment } from './socket-config.ts';
import type { AccountStatus, LinkingInfo } from './status.ts';
import type { ResolvedWaVersion } from './version.ts';

export type LinkRequest = { method: 'qr' } | { method: 'code'; phone: string };

/** Timings; defaults are production values, tests shorten them. */
export interface ConnectionTimings {
  /** Open this long = healthy: the reconnect attempt counter resets (default 60 s). */
  heartbeatMs?: number;
  /** No frame at all for this long = dead socket (default 60 s). */
  livenessWindowMs?: number;
  /** Baileys' ping interval (default 30 s; it gives up by itself after interval + 5 s). */
  keepAliveIntervalMs?: number;
  connectTimeoutMs?: number;
  /** Fixed lifetime per QR (default: Baileys' 60 s then 20 s). */
  qrTimeoutMs?: number;
  /** After the phone acted on the QR/code, how long to wait for pair-success (default 45 s). */
  pairConfirmTimeoutMs?: number;
  /** How long an outbound send waits for a reconnect (default 60 s). */
  sendWaitMs?: number;
  /** How long logout() waits for a connection it opened just to log out (default 20 s). */
  logoutConnectTimeoutMs?: number;
}

export interface AccountConnectionOptions extends ConnectionTimings {
  accountId: string;
  stateDir: string;
  /** Defaults to <stateDir>/credentials/whatsapp/<accountId>. */
  authDir?: string;
  name?: string;
  /** Credential store backend (default: main/auth, plain files). */
  auth?: AuthBackend;
  waVersion: () => Promise<ResolvedWaVersion>;
  clock?: Clock;
  logger?: PinoLike;
  /** Baileys' own log level (default 'warn'). */
  baileysLogLevel?: string;
  env?: NodeJS.ProcessEnv;
  reconnect?: Partial<ReconnectPolicy>;
  decrypt?: DecryptMonitorOptions;
  random?: () => number;
  /** Extra Baileys options from the message pipeline (cachedGroupMetadata...). */
  socketOptions?: Partial<UserFacingSocketConfig>;
  /**
   * A text this account recently sent, by message id: Baileys' getMessage, so a contact whose
   * phone could not decrypt it gets it again, also after a restart (Baileys' own cache is lost).
   */
  sentText?: (accountId: string, messageId: string) => Promise<string | undefined>;
}

export interface AccountEvents {
  status: [AccountStatus];
  /** Baileys' messages.upsert with the socket it came from. */
  'messages.upsert': [BaileysEventMap['messages.upsert'], WASocket];
  /** Every new socket, before it connects: attach further Baileys listeners here. */
  socket: [WASocket];
  /** The socket is open and usable for sending. */
  open: [WASocket];
  /** A linking attempt finished: the account is linked and connected. */
  linked: [{ number: string; name?: string }];
  /** Credentials were moved aside (logged out, reset). */
  'credentials-archived': [{ backupDir: string; reason: string }];
}

type Phase = 'idle' | 'linking' | 'session';

interface OpenWaiter {
  resolve: (sock: WASocket) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
}

/** Notifications that show the phone acted on our QR/code (passkey flow, code entered). */
const PHONE_ACTED_NOTIFICATIONS = ['passkey_prologue_request', 'crsc_continuation', 'companion_reg_refresh', 'link_code_companion_reg'] as const;
const PASSKEY_NOTIFICATIONS = new Set(['passkey_prologue_request', 'crsc_continuation']);

const INBOUND_EMIT_EVERY_MS = 5_000;

export class AccountConnection {
  readonly accountId: string;
  readonly authDir: string;
  private readonly stateDir: string;
  private readonly clock: Clock;
  private readonly log: PinoLike;
  private readonly baileysLog: PinoLike;
  private readonly policy: ReconnectPolicy;
  private readonly emitter = new EventEmitter();
  private readonly liveness: LivenessWatch;
  private readonly decrypt: DecryptFailureMonitor;
  private readonly t: Required<ConnectionTimings>;
  private readonly auth: AuthBackend;
  private readonly phone: PhoneActivity;

  private current: AccountStatus;
  private phase: Phase = 'idle';
  private generation = 0;
  private sock: WASocket | undefined;
  private store: AccountAuthStore | undefined;
  private lock: AccountLock | undefined;
  private linkRequest: LinkRequest | undefined;
  /** Set when this attempt began in an empty folder: its files are ours to discard if it fails. */
  private linkStartedEmpty = false;
  private qrIndex = 0;
  private attempts = 0;
  private restartsSinceOpen = 0;
  private pendingCloseReason: DisconnectReason | undefined;
  private retryTimer: TimerHandle | undefined;
  private heartbeatTimer: TimerHandle | undefined;
  private pairConfirmTimer: TimerHandle | undefined;
  private phoneCheckTimer: TimerHandle | undefined;
  private lastInboundEmitAt = -Infinity;
  private lastInboundAt: number | undefined;
  private lastFrameAt: number | undefined;
  private readonly waiters = new Set<OpenWaiter>();
  private readonly socketClosed = new WeakMap<WASocket, Promise<void>>();
  private opChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: AccountConnectionOptions) {
    assertAccountId(opts.accountId);
    this.accountId = opts.accountId;
    this.stateDir = opts.stateDir;
    this.authDir = opts.authDir ?? statePaths(opts.stateDir).accountAuthDir(opts.accountId);
    this.clock = opts.clock ?? systemClock;
    this.auth = opts.auth ?? defaultAuthBackend({ clock: this.clock });
    const base: PinoLike = opts.logger ?? (pino({ level: 'silent' }) as unknown as PinoLike);
    this.log = base.child({ subsystem: 'connection', accountId: opts.accountId });
    this.baileysLog = base.child({ subsystem: 'baileys', accountId: opts.accountId }, { level: quieterLevel(base.level, opts.baileysLogLevel ?? 'warn') });
    this.policy = normalizeReconnectPolicy(opts.reconnect);
    this.t = {
      heartbeatMs: opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      livenessWindowMs: opts.livenessWindowMs ?? DEFAULT_LIVENESS_WINDOW_MS,
      keepAliveIntervalMs: opts.keepAliveIntervalMs ?? 30_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 20_000,
      qrTimeoutMs: opts.qrTimeoutMs ?? 0,
      pairConfirmTimeoutMs: opts.pairConfirmTimeoutMs ?? 45_000,
      sendWaitMs: opts.sendWaitMs ?? 60_000,
      logoutConnectTimeoutMs: opts.logoutConnectTimeoutMs ?? 20_000,
    };
    this.liveness = new LivenessWatch(this.clock, this.t.livenessWindowMs, (silentMs) => this.replaceSocket({ kind: 'liveness-timeout', silentMs }));
    this.phone = new PhoneActivity(this.stateDir, this.accountId, (err) => this.log.warn({ err: err.message }, 'could not remember when the phone was last seen'));
    this.decrypt = new DecryptFailureMonitor(this.clock, this.log, (failures) => this.replaceSocket({ kind: 'decrypt-repair', failures }), opts.decrypt);
    this.current = { accountId: this.accountId, name: opts.name, enabled: true, reconnectAttempts: 0, ...explainStopped(this.accountId) };
  }

  // ---------------------------------------------------------------- public face

  on<E extends keyof AccountEvents>(event: E, listener: (...args: AccountEvents[E]) => void): () => void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.emitter.off(event, listener as (...args: unknown[]) => void);
  }

  /** A snapshot of the account's status. */
  status(): AccountStatus {
    const snapshot: AccountStatus = structuredClone(this.current);
    // High-frequency facts are kept outside `current` so they do not emit an event each time.
    const lastFrameAt = this.sock ? this.liveness.lastActivityAt || undefined : this.lastFrameAt;
    if (lastFrameAt) snapshot.lastFrameAt = lastFrameAt;
    if (this.lastInboundAt) snapshot.lastInboundAt = this.lastInboundAt;
    return snapshot;
  }

  /** The open socket, only while connected. */
  get socket(): WASocket | undefined {
    return this.current.state === 'connected' ? this.sock : undefined;
  }

  /** Takes the account's lock and connects if it is linked; otherwise reports not-linked. */
  start(): Promise<void> {
    return this.op(async () => {
      if (this.phase !== 'idle' || this.retryTimer) return;
      try {
        if (!(await this.takeLock())) return;
        if (!(await this.auth.isLinked(this.authDir))) {
          this.setExplained(explainNotLinked(this.accountId));
          return;
        }
        this.attempts = 0;
        this.restartsSinceOpen = 0;
        await this.openSocket('session');
      } catch (err) {
        // One broken account (unreadable credentials, bad CA path) must not stop the others.
        this.failed(err);
      }
    });
  }

  /** Starts (or restarts) linking by QR or pairing code. Progress is reported through status. */
  link(request: LinkRequest): Promise<void> {
    return this.op(async () => {
      if (request.method === 'code' && !normalizePhoneForPairing(request.phone)) {
        const r = refusal.badPhone(request.phone);
        throw new ConnectionError('bad-request', this.accountId, r.message, r.nextStep);
      }
      if (!(await this.takeLock())) throw this.lockedError();
      if (this.phase === 'session' || (await this.auth.isLinked(this.authDir))) {
        const r = refusal.alreadyLinked(this.accountId, this.current.self?.number);
        throw new ConnectionError('already-linked', this.accountId, r.message, r.nextStep);
      }
      await this.detachSocket();
      this.clearTimers();
      if (this.phase === 'linking') await this.endLinkingAttempt();
      await this.closeStore();
      await this.prepareEmptyAuthDir();
      this.linkStartedEmpty = true;
      this.linkRequest = request;
      this.phase = 'linking';
      this.attempts = 0;
      this.restartsSinceOpen = 0;
      this.setExplained(explainLinking(request.method), { linking: { method: request.method, ...(request.method === 'code' ? { phone: request.phone } : {}) } });
      await this.openSocket('link');
    });
  }

  /** Abandons a linking attempt in progress. */
  cancelLink(): Promise<void> {
    return this.op(async () => {
      if (this.phase !== 'linking') return;
      await this.detachSocket();
      this.clearTimers();
      await this.endLinkingAttempt();
      this.setExplained(explainNotLinked(this.accountId));
    });
  }

  /** Skips the backoff wait, or tries again after giving up / a conflict ("Take over"). */
  reconnectNow(): Promise<void> {
    return this.op(async () => {
      if (this.phase === 'linking') return;
      if (!(await this.takeLock())) return;
      if (!(await this.auth.isLinked(this.authDir))) {
        this.setExplained(explainNotLinked(this.accountId));
        return;
      }
      await this.detachSocket();
      this.clearTimers();
      this.attempts = 0;
      this.restartsSinceOpen = 0;
      await this.openSocket('session');
    });
  }

  /** Closes the socket, releases the lock; the account shows as stopped. */
  stop(): Promise<void> {
    return this.op(async () => {
      await this.shutdown();
      this.setExplained(explainStopped(this.accountId));
    });
  }

  /**
   * Logs out on both sides: asks WhatsApp to remove this device (connecting briefly if needed),
   * then moves the local credentials into a backup folder. Works offline too (local part only).
   */
  logout(): Promise<{ backupDir?: string; removedOnServer: boolean }> {
    return this.op(() => this.logoutInner('logout'));
  }

  /** Clean reset: stop, log out if possible, move credentials to a timestamped backup; ready to link. */
  reset(): Promise<{ backupDir?: string; removedOnServer: boolean }> {
    return this.op(async () => {
      if (this.phase === 'linking') {
        await this.detachSocket();
        this.clearTimers();
        await this.endLinkingAttempt();
      }
      return this.logoutInner('reset');
    });
  }

  /**
   * The socket to send with. Waits (bounded) while connecting/reconnecting; fails at once with
   * a "no active listener" error when no connection is coming.
   */
  waitForSocket(timeoutMs: number = this.t.sendWaitMs): Promise<WASocket> {
    if (this.current.state === 'connected' && this.sock) return Promise.resolve(this.sock);
    if (!this.isConnectionComing()) return Promise.reject(this.noListenerError());
    return new Promise<WASocket>((resolve, reject) => {
      const waiter: OpenWaiter = {
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          this.waiters.delete(waiter);
          const e = explainSendTimeout(this.accountId, timeoutMs);
          reject(new ConnectionError('send-timeout', this.accountId, e.message, e.nextStep));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Sends once the socket is open (waiting through a reconnect); never sends twice. */
  async sendMessage(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage | undefined> {
    const sock = await this.waitForSocket();
    return sock.sendMessage(jid, content, options);
  }

  /** Resolves when the status satisfies `predicate` (checked now and on every change). */
  waitForStatus(predicate: (s: AccountStatus) => boolean, timeoutMs: number): Promise<AccountStatus> {
    const now = this.status();
    if (predicate(now)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        off();
        reject(new Error(`account "${this.accountId}" did not reach the expected state within ${timeoutMs} ms (now ${this.current.state}${this.current.cause ? `: ${this.current.cause}` : ''})`));
      }, timeoutMs);
      const off = this.on('status', (s) => {
        if (!predicate(s)) return;
        off();
        this.clock.clearTimeout(timer);
        resolve(s);
      });
    });
  }

  // ---------------------------------------------------------------- sockets

  private async openSocket(mode: 'link' | 'session'): Promise<void> {
    const gen = ++this.generation;
    const version = await this.opts.waVersion();
    if (gen !== this.generation) return;
    const store = await this.openStore();
    await this.phone.load();
    if (gen !== this.generation) return;
    const waWebVersion = { version: version.version, source: version.source };
    if (mode === 'session') this.setState({ state: 'connecting', cause: undefined, nextStep: undefined, fix: undefined, nextRetryAt: undefined, waWebVersion });
    else this.setState({ waWebVersion });
    this.qrIndex = 0;
    this.decrypt.resetCount();
    const config = buildSocketConfig({
      auth: store.state,
      logger: makeBaileysLogger(this.baileysLog, (f) => {
        if (gen !== this.generation) return;
        this.decrypt.record(f);
        this.setState({ decryptErrors: this.decrypt.count });
      }),
      version: version.tuple,
      environment: socketEnvironment(this.opts.env),
      keepAliveIntervalMs: this.t.keepAliveIntervalMs,
      connectTimeoutMs: this.t.connectTimeoutMs,
      qrTimeoutMs: this.t.qrTimeoutMs || undefined,
      extra: { ...this.opts.socketOptions, ...(this.opts.sentText ? { getMessage: (key) => this.recentlySent(key) } : {}) },
    });
    const sock = makeWASocket(config);
    this.sock = sock;
    this.socketClosed.set(sock, new Promise<void>((resolve) => {
      sock.ev.on('connection.update', (u) => {
        if (u.connection !== 'close') return;
        releasePendingQueries(sock);
        resolve();
      });
    }));
    sock.ev.on('creds.update', () => {
      store.saveCreds().catch((err: Error) => this.log.error({ err: err.message }, 'saving credentials failed'));
      if (gen === this.generation) this.refreshSelf(sock);
    });
    sock.ev.on('connection.update', (u) => {
      if (gen === this.generation) this.onConnectionUpdate(gen, sock, u);
    });
    sock.ev.on('messages.upsert', (event) => {
      if (gen === this.generation) this.onUpsert(sock, event);
    });
    sock.ws.on('frame', () => { if (gen === this.generation) this.liveness.frame(); });
    // Baileys sends the pairing-code request without waiting for the answer, so a refusal
    // (400 bad number, 429 too many requests) arrives later as an iq error: catch it here.
    sock.ws.on('CB:iq,type:error', (stanza: { content?: unknown }) => {
      if (gen !== this.generation || this.phase !== 'linking' || this.linkRequest?.method !== 'code' || !this.current.linking?.code) return;
      const error = Array.isArray(stanza.content) ? (stanza.content as { tag?: string; attrs?: Record<string, string> }[]).find((c) => c.tag === 'error') : undefined;
      this.replaceSocket({ kind: 'code-rejected', message: error?.attrs ? `${error.attrs.text ?? 'error'} ${error.attrs.code ?? ''}`.trim() : 'refused by WhatsApp' });
    });
    for (const type of PHONE_ACTED_NOTIFICATIONS) {
      sock.ws.on(`CB:notification,type:${type}`, () => { if (gen === this.generation) this.onPhoneActed(type); });
    }
    this.emitter.emit('socket', sock);
  }

  private onConnectionUpdate(gen: number, sock: WASocket, u: Partial<ConnectionState>): void {
    if (u.qr) void this.onQr(gen, sock, u.qr);
    if (u.isNewLogin) this.onPairSuccess();
    if (u.connection === 'open') this.onOpen(sock);
    if (u.connection === 'close') {
      const error = u.lastDisconnect?.error as Parameters<typeof classifyDisconnect>[0];
      this.background(() => this.onClose(gen, error));
    }
  }

  private async onQr(gen: number, sock: WASocket, qr: string): Promise<void> {
    const request = this.linkRequest;
    if (this.phase !== 'linking' || !request) return;
    const index = this.qrIndex++;
    const expiresAt = this.clock.now() + qrLifetimeMs(index, this.t.qrTimeoutMs);
    if (request.method === 'qr') {
      this.setState({ linking: { ...this.linkingInfo(), qr, qrExpiresAt: expiresAt, qrDataUrl: undefined } });
      const dataUrl = await renderQrDataUrl(qr);
      if (gen === this.generation && this.current.linking?.qr === qr) this.setState({ linking: { ...this.linkingInfo(), qrDataUrl: dataUrl } });
      return;
    }
    // Pairing code: WhatsApp accepts the request only once the first QR ref exists.
    if (index !== 0) return;
    try {
      const raw = await sock.requestPairingCode(normalizePhoneForPairing(request.phone)!);
      if (gen !== this.generation) return;
      const code = formatPairingCode(raw);
      this.setExplained(explainLinking('code', code), { linking: { ...this.linkingInfo(), code } });
    } catch (err) {
      if (gen === this.generation) this.replaceSocket({ kind: 'code-rejected', message: (err as Error).message });
    }
  }

  private onPhoneActed(type: string): void {
    if (this.phase !== 'linking') return;
    this.log.info({ notification: type }, 'the phone acted on the linking request');
    if (PASSKEY_NOTIFICATIONS.has(type)) {
      // Baileys cannot answer WhatsApp's passkey challenge: say so at once, end after the grace time.
      this.setState({ linking: { ...this.linkingInfo(), stall: passkeyRequested(this.t.pairConfirmTimeoutMs) } });
    }
    if (this.pairConfirmTimer) return;
    const startedAt = this.clock.now();
    this.pairConfirmTimer = this.clock.setTimeout(() => {
      this.pairConfirmTimer = undefined;
      if (this.phase === 'linking' && !this.current.linking?.scanned) this.replaceSocket({ kind: 'passkey-stall', waitedMs: this.clock.now() - startedAt });
    }, this.t.pairConfirmTimeoutMs);
  }

  private onPairSuccess(): void {
    this.clock.clearTimeout(this.pairConfirmTimer);
    this.pairConfirmTimer = undefined;
    // Credentials now exist (being saved): from here on this is a session, not a linking attempt.
    this.phase = 'session';
    this.linkStartedEmpty = false;
    this.log.info({}, 'phone confirmed the link; waiting for the restart with the new credentials');
    this.setState({ state: 'connecting', cause: undefined, nextStep: undefined, fix: undefined, linking: { ...this.linkingInfo(), scanned: true, qr: undefined, qrDataUrl: undefined, qrExpiresAt: undefined, stall: undefined } });
  }

  private onOpen(sock: WASocket): void {
    const wasLinking = Boolean(this.current.linking);
    this.phase = 'session';
    this.linkRequest = undefined;
    this.restartsSinceOpen = 0;
    const now = this.clock.now();
    // A fresh link proves the phone was online; so does a first connection we have no record for.
    if (wasLinking || this.phone.lastSeenAt === undefined) this.phone.seen(now);
    this.setState({
      state: 'connected', cause: undefined, nextStep: undefined, fix: undefined, linking: undefined, nextRetryAt: undefined,
      lastConnectedAt: now, reconnectAttempts: this.attempts, decryptErrors: 0, ...this.phoneFields(now),
    });
    this.refreshSelf(sock);
    this.checkPhone();
    this.liveness.start();
    this.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = this.clock.setTimeout(() => {
      this.heartbeatTimer = undefined;
      if (this.attempts !== 0) {
        this.attempts = 0;
        this.setState({ reconnectAttempts: 0 });
      }
    }, this.t.heartbeatMs);
    this.log.info({ self: this.current.self?.number, attempts: this.attempts }, 'connected');
    for (const w of this.waiters) {
      this.clock.clearTimeout(w.timer);
      w.resolve(sock);
    }
    this.waiters.clear();
    this.emitter.emit('open', sock);
    if (wasLinking && this.current.self) this.emitter.emit('linked', { number: this.current.self.number, name: this.current.self.name });
  }

  private async onClose(gen: number, error: Parameters<typeof classifyDisconnect>[0]): Promise<void> {
    if (gen !== this.generation) return;
    const now = this.clock.now();
    const reason = this.pendingCloseReason ?? classifyDisconnect(error, now);
    this.pendingCloseReason = undefined;
    const wasLinking = this.phase === 'linking';
    const method = this.linkRequest?.method;
    this.sock = undefined;
    this.liveness.stop();
    this.clearTimers();
    this.lastFrameAt = this.liveness.lastActivityAt || this.lastFrameAt;
    const lastDisconnect = { at: now, code: reasonCode(reason), reason: describeReason(reason) };
    const decision = decideAfterClose(reason, {
      phase: wasLinking ? 'linking' : 'session',
      attempts: this.attempts,
      restartsSinceOpen: this.restartsSinceOpen,
      policy: this.policy,
      random: this.opts.random,
    });
    this.log.info({ reason: lastDisconnect.reason, code: lastDisconnect.code, action: decision.action }, 'connection closed');

    if (decision.action === 'restart-now') {
      if (reason.kind === 'restart-required') this.restartsSinceOpen++;
      // After a scan, the restart must use the credentials pair-success produced: wait for the disk.
      await this.store?.flush();
      if (gen !== this.generation) return;
      this.setState({ lastDisconnect });
      await this.openSocket(wasLinking ? 'link' : 'session');
      return;
    }
    if (decision.action === 'retry') {
      this.attempts = decision.attempt;
      const nextRetryAt = now + decision.delayMs;
      const expl = explainClose(reason, { accountId: this.accountId, action: decision, nextRetryAt, maxAttempts: this.policy.maxAttempts });
      this.setExplained(expl, { lastDisconnect, nextRetryAt, reconnectAttempts: this.attempts });
      this.retryTimer = this.clock.setTimeout(() => {
        this.retryTimer = undefined;
        this.background(async () => {
          if (gen === this.generation) await this.openSocket('session');
        });
      }, decision.delayMs);
      return;
    }

    // give-up or stop: nothing more happens by itself.
    this.phase = 'idle';
    this.linkRequest = undefined;
    let backupDir: string | undefined;
    if (wasLinking) await this.endLinkingAttempt();
    else if (reason.kind === 'logged-out') backupDir = await this.archiveCredentials(reason.by === 'user' ? 'logout' : 'logged-out');
    const expl = explainClose(reason, { accountId: this.accountId, action: decision, linking: wasLinking ? method : undefined, maxAttempts: this.policy.maxAttempts });
    this.setExplained(expl, {
      lastDisconnect, nextRetryAt: undefined, reconnectAttempts: this.attempts,
      linking: expl.stall && method ? { method, stall: expl.stall } : undefined,
      ...(backupDir ? { phoneLastSeenAt: undefined, warning: undefined } : {}),
    });
    if (backupDir) this.log.warn({ backupDir }, 'logged out; credentials moved to a backup folder');
    this.rejectWaiters();
  }

  private onUpsert(sock: WASocket, event: BaileysEventMap['messages.upsert']): void {
    const now = this.clock.now();
    let inbound = false;
    for (const m of event.messages) {
      if (m.messageStubType === proto.WebMessageInfo.StubType.CIPHERTEXT && m.messageStubParameters?.[0] !== 'Message absent from node') {
        this.decrypt.record({ messageId: m.key.id ?? undefined, chat: m.key.remoteJid ?? undefined, error: m.messageStubParameters?.[0] });
        continue;
      }
      if (event.type === 'notify' && !m.key.fromMe && m.message && !m.message.protocolMessage) inbound = true;
      // Written on the phone (or another of the user's devices) and delivered live: the phone is alive.
      if (event.type === 'notify' && m.key.fromMe && this.phone.seen(now) && (this.current.warning || now - (this.current.phoneLastSeenAt ?? 0) >= 3_600_000)) this.checkPhone();
    }
    if (this.decrypt.count !== (this.current.decryptErrors ?? 0)) this.setState({ decryptErrors: this.decrypt.count });
    if (inbound) {
      this.lastInboundAt = now;
      // Inbound bursts would otherwise emit one status event per message.
      if (now - this.lastInboundEmitAt >= INBOUND_EMIT_EVERY_MS) {
        this.lastInboundEmitAt = now;
        this.setState({ lastInboundAt: now });
      }
    }
    this.emitter.emit('messages.upsert', event, sock);
  }

  /**
   * Ends the current socket for one of our own reasons (dead, decrypt repair, stall). The raw
   * WebSocket is terminated rather than closed politely: a dead peer would make a polite close
   * wait ~30 s for a closing handshake before Baileys reports the close.
   */
  private replaceSocket(reason: DisconnectReason): void {
    const sock = this.sock;
    if (!sock) return;
    this.pendingCloseReason = reason;
    this.log.warn({ reason: describeReason(reason) }, 'closing the connection');
    const raw = (sock.ws as unknown as { socket?: { terminate?: () => void } }).socket;
    if (raw?.terminate) raw.terminate();
    else void sock.end(new Error(describeReason(reason)));
  }

  /** Makes the current socket irrelevant (events ignored) and closes it, waiting briefly. */
  private async detachSocket(): Promise<void> {
    this.generation++;
    this.pendingCloseReason = undefined;
    this.liveness.stop();
    const sock = this.sock;
    this.sock = undefined;
    if (!sock) return;
    const closed = this.socketClosed.get(sock);
    try {
      await sock.end(undefined);
    } catch {
      // already closed
    }
    if (closed) await this.bounded(closed, 5_000);
  }

  // ---------------------------------------------------------------- helpers

  private async logoutInner(why: 'logout' | 'reset'): Promise<{ backupDir?: string; removedOnServer: boolean }> {
    let removedOnServer = false;
    // Another process runs this account: its credentials are not ours to move.
    if (!(await this.takeLock())) throw this.lockedError();
    const wasLinked = this.phase !== 'linking' && (await this.auth.isLinked(this.authDir));
    if (wasLinked) {
      let sock = this.current.state === 'connected' ? this.sock : undefined;
      if (!sock) {
        // Not connected: connect just long enough to tell WhatsApp to remove this device.
        this.clearTimers();
        await this.detachSocket();
        await this.openSocket('session');
        const pending = this.sock;
        const closed = pending ? this.socketClosed.get(pending) : undefined;
        if (pending && closed) {
          // Close handling is queued behind this operation, so watch the socket itself.
          let off = () => {};
          sock = await this.bounded(Promise.race([
            new Promise<WASocket>((resolve) => { off = this.on('open', resolve); }),
            closed.then(() => undefined),
          ]), this.t.logoutConnectTimeoutMs);
          off();
        }
      }
      if (sock) {
        this.generation++; // the 401 close that follows is ours, not news
        this.liveness.stop();
        this.clearTimers();
        const closed = this.socketClosed.get(sock);
        try {
          await sock.logout();
          removedOnServer = true;
          if (closed) await this.bounded(closed, 5_000);
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'could not tell WhatsApp to remove this device; removing local credentials only');
        }
        this.sock = undefined;
      }
    }
    await this.detachSocket();
    this.clearTimers();
    this.phase = 'idle';
    this.linkRequest = undefined;
    const backupDir = await this.archiveCredentials(why);
    this.setExplained(explainLoggedOutByYou(this.accountId, { wasLinked, removedOnServer, backupDir, reset: why === 'reset' }), {
      self: undefined, linking: undefined, nextRetryAt: undefined, reconnectAttempts: 0, phoneLastSeenAt: undefined, warning: undefined,
      lastDisconnect: { at: this.clock.now(), code: 401, reason: why === 'reset' ? 'reset by you' : 'logged out by you' },
    });
    this.attempts = 0;
    this.rejectWaiters();
    return { backupDir, removedOnServer };
  }

  /** Closes the store and moves the credentials aside; undefined when there was nothing to move. */
  private async archiveCredentials(reason: string): Promise<string | undefined> {
    await this.closeStore();
    await this.phone.forget();
    if (!(await hasFiles(this.authDir))) return undefined;
    const backupDir = await this.auth.archive(this.stateDir, this.accountId, reason);
    this.emitter.emit('credentials-archived', { backupDir, reason });
    return backupDir;
  }

  /** Leaves the auth folder empty for a new link; unknown leftovers are archived, never deleted. */
  private async prepareEmptyAuthDir(): Promise<void> {
    if (await hasFiles(this.authDir)) await this.archiveCredentials('unfinished-link');
  }

  /** A failed linking attempt: its files (keys never registered anywhere) are discarded. */
  private async endLinkingAttempt(): Promise<void> {
    await this.closeStore();
    // Started empty and never confirmed by the phone: these keys were never registered anywhere.
    if (this.linkStartedEmpty) {
      for (const name of await readdir(this.authDir).catch(() => [] as string[])) await rm(join(this.authDir, name), { recursive: true, force: true });
    }
    this.linkStartedEmpty = false;
    this.phase = 'idle';
    this.linkRequest = undefined;
  }

  private async openStore(): Promise<AccountAuthStore> {
    if (!this.store) this.store = await this.auth.createStore({ dir: this.authDir, logger: this.log });
    return this.store;
  }

  private async closeStore(): Promise<void> {
    const store = this.store;
    this.store = undefined;
    if (!store) return;
    await store.flush();
    await store.close();
  }

  private async takeLock(): Promise<boolean> {
    if (this.lock) return true;
    try {
      this.lock = await acquireAccountLock(this.stateDir, this.accountId, {
        onCompromised: (err) => this.log.error({ err: err.message }, 'the account lock was lost; another process may take over this account'),
      });
      return true;
    } catch (err) {
      if (!(err instanceof AccountLockedError)) throw err;
      this.setExplained(explainClose({ kind: 'lock-busy', ownerPid: err.owner?.pid }, { accountId: this.accountId, action: { action: 'stop' } }));
      return false;
    }
  }

  private async shutdown(): Promise<void> {
    await this.detachSocket();
    this.clearTimers();
    if (this.phase === 'linking') await this.endLinkingAttempt();
    await this.closeStore();
    this.phase = 'idle';
    this.linkRequest = undefined;
    this.attempts = 0;
    await this.lock?.release();
    this.lock = undefined;
    this.rejectWaiters();
  }

  /** Updates phoneLastSeenAt and the offline warning; re-checks hourly while connected. */
  private checkPhone(): void {
    this.setState(this.phoneFields(this.clock.now()));
    this.clock.clearTimeout(this.phoneCheckTimer);
    this.phoneCheckTimer = this.clock.setTimeout(() => {
      this.phoneCheckTimer = undefined;
      if (this.current.state === 'connected') this.checkPhone();
    }, 3_600_000);
  }

  private phoneFields(now: number): Pick<AccountStatus, 'phoneLastSeenAt' | 'warning'> {
    const last = this.phone.lastSeenAt;
    return { phoneLastSeenAt: last, warning: last !== undefined && now - last >= PHONE_OFFLINE_WARN_MS ? explainPhoneOffline(last, now) : undefined };
  }

  private refreshSelf(sock: WASocket): void {
    // creds.me gets the push name after linking (Baileys assigns creds updates into it); sock.user may lag.
    const me = this.store?.state.creds.me ?? sock.user;
    const decoded = me?.id ? jidDecode(me.id) : undefined;
    if (!decoded?.user || this.phase !== 'session' || !this.store?.state.creds.account) return;
    const name = me?.name && me.name !== '~' ? me.name : me?.verifiedName;
    const self = { number: `+${decoded.user}`, ...(name ? { name } : {}), ...(me?.lid ? { lid: me.lid } : {}) };
    const prev = this.current.self;
    if (!prev || prev.number !== self.number || prev.name !== self.name || prev.lid !== self.lid) this.setState({ self });
  }

  private linkingInfo(): LinkingInfo {
    return this.current.linking ?? { method: this.linkRequest?.method ?? 'qr' };
  }

  private isConnectionComing(): boolean {
    return this.current.state === 'connecting' || this.current.state === 'reconnecting';
  }

  private lockedError(): ConnectionError {
    const r = refusal.locked(this.accountId);
    return new ConnectionError('locked', this.accountId, this.current.cause ?? r.message, this.current.nextStep ?? r.nextStep);
  }

  private noListenerError(): ConnectionError {
    const e = explainNoListener(this.accountId, this.current.state);
    return new ConnectionError('no-active-listener', this.accountId, e.message, e.nextStep);
  }

  private rejectWaiters(): void {
    for (const w of this.waiters) {
      this.clock.clearTimeout(w.timer);
      w.reject(this.noListenerError());
    }
    this.waiters.clear();
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.heartbeatTimer, this.pairConfirmTimer, this.phoneCheckTimer]) this.clock.clearTimeout(t);
    this.retryTimer = this.heartbeatTimer = this.pairConfirmTimer = this.phoneCheckTimer = undefined;
  }

  /** Baileys' getMessage: only our own recent texts are ever sent again. */
  private async recentlySent(key: WAMessageKey): Promise<proto.IMessage | undefined> {
    if (!key.fromMe || !key.id) return undefined;
    const text = await this.opts.sentText?.(this.opts.accountId, key.id).catch(() => undefined);
    return text === undefined ? undefined : { conversation: text };
  }

  private setExplained(expl: Explanation, extra: Partial<AccountStatus> = {}): void {
    this.setState({ state: expl.state, cause: expl.cause, nextStep: expl.nextStep, fix: expl.fix, ...extra });
  }

  private setState(patch: Partial<AccountStatus>): void {
    const next = { ...this.current, ...patch };
    for (const key of Object.keys(next) as (keyof AccountStatus)[]) if (next[key] === undefined) delete next[key];
    const changed = JSON.stringify(next) !== JSON.stringify(this.current);
    this.current = next;
    if (changed) this.emitter.emit('status', this.status());
  }

  /** Runs close handling / retries in the operation queue; a failure there becomes a stopped state, not a crash. */
  private background(fn: () => Promise<void>): void {
    this.op(fn).catch((err: unknown) => this.failed(err));
  }

  private failed(err: unknown): void {
    this.log.error({ err: (err as Error).message }, 'the connection could not be opened');
    this.setExplained(explainFailure(this.accountId, err as Error), { nextRetryAt: undefined });
    this.rejectWaiters();
  }

  /** Serializes public operations and close handling so they never interleave. */
  private op<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.opChain.then(fn, fn);
    this.opChain = run.catch(() => {});
    return run;
  }

  /** Waits for `p` at most `ms` (real-time safety net for socket teardown). */
  private bounded<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
    let timer: TimerHandle | undefined;
    return Promise.race([
      p,
      new Promise<undefined>((resolve) => { timer = this.clock.setTimeout(() => resolve(undefined), ms); }),
    ]).finally(() => this.clock.clearTimeout(timer));
  }
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Baileys never logs more than our own logger would (a silent app gets a silent Baileys). */
function quieterLevel(a: string, b: string): string {
  return LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b;
}

/**
 * Baileys' end() removes the socket's 'close' listeners before closing, so queries still waiting
 * for an answer are never told and keep a 60 s timer each (keeping the process alive after a
 * stop). Their 'error' listeners remain: one error event rejects them all. Baileys' own error
 * handler only calls end() again, which returns at once on an ended socket.
 */
function releasePendingQueries(sock: WASocket): void {
  const ws = sock.ws as unknown as { listenerCount(e: string): number; emit(e: string, err: Error): boolean };
  if (ws.listenerCount('error') > 0) ws.emit('error', new Error('socket ended'));
}

async function hasFiles(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch {
    return false;
  }
}
