// The composition root: builds config, logs, credential stores, connections, access stores,
// the message pipeline and the agent, and exposes them as one ControlHandler. The tray app
// (main/desktop) and `clawline gateway run` host exactly this.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { WASocket } from '@whiskeysockets/baileys';
import { ConfigStore, resolveEffectiveConfig, type AccountSettings, type EffectiveConfig } from './config/index.ts';
import { createLogger, type Logs, type LevelSetting } from './logs/index.ts';
import { ConnectionManager, explainNoListener, type AccountSpec, type ConnectionTimings } from './connection/index.ts';
import { defaultAuthBackend, type AuthBackend } from './connection/index.ts';
import { storeFormat, type KeyProvider } from './auth/index.ts';
import { AllowStore, PairingStore } from './access/index.ts';
import { InboundJournal, InboundPipeline, journalPath, type AgentInput, type PipelineSettings } from './messages/index.ts';
import { createBaileysTransport } from './messages/baileys-transport.ts';
import { createAgent, testAgent } from './agents/index.ts';
import { createDiagnosticsBundle } from './doctor/index.ts';
import { startControlServer, type ControlServer } from './control/server.ts';
import { loadOrCreateToken, removeEndpoint, writeEndpoint } from './control/discovery.ts';
import type { ControlHandler, EventName, Events, GatewaySummary, LogLine, OperationName, ParsedRequestOf, PairingRequestView, Responses } from './control/contract.ts';
import type { AccountStatus } from './connection/status.ts';
import { statePaths } from './shared/state-dir.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { APP_VERSION } from './shared/version.ts';

export interface GatewayOptions {
  stateDir: string;
  kind: 'headless' | 'desktop';
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Encryption at rest for credentials (null/undefined: plain files, as OpenClaw). */
  keyProvider?: KeyProvider | null;
  encryption?: GatewaySummary['encryption'];
  logLevel?: LevelSetting;
  /** Also print log lines to the terminal (headless foreground runs). */
  console?: boolean;
  /** Start the loopback control server (port from config unless given; 0 = any free port). */
  control?: { port?: number; rendererDir?: string } | false;
  /** Shorter timings for tests and benchmarks. */
  timings?: ConnectionTimings;
  pipeline?: { minSendIntervalMs?: number; sendBackoffMs?: number };
  /** Connect the accounts right away (default true). */
  connect?: boolean;
}

interface AccountRuntime {
  pipeline: InboundPipeline;
  journal: InboundJournal;
  socket?: WASocket;
  resumed: boolean;
}

/** An error the control boundary turns into {code, message, nextStep}. */
class GatewayError extends Error {
  constructor(readonly code: 'not-found' | 'bad-request' | 'gateway-not-running' | 'failed', message: string, readonly nextStep?: string) {
    super(message);
  }
}

export class Gateway implements ControlHandler {
  private readonly events = new EventEmitter();
  private readonly runtimes = new Map<string, AccountRuntime>();
  private readonly opening = new Map<string, Promise<AccountRuntime>>();
  private agent: ReturnType<typeof createAgent>;
  private agentKey: string;
  private running = false;
  private readonly startedAt = Date.now();
  private control: ControlServer | undefined;
  private readonly disposers: Array<() => void> = [];
  private readonly statusHistory: Array<{ at: number; accountId: string; state: string; cause?: string }> = [];

  private constructor(
    readonly options: GatewayOptions,
    readonly logs: Logs,
    readonly config: ConfigStore,
    readonly pairing: PairingStore,
    readonly connections: ConnectionManager,
    private readonly clock: Clock,
  ) {
    this.agent = createAgent(this.settings.clawline.agent, { stateDir: options.stateDir, clock, logger: logs.child('agent') });
    this.agentKey = JSON.stringify(this.settings.clawline.agent);
  }

  static async start(options: GatewayOptions): Promise<Gateway> {
    const clock = options.clock ?? systemClock;
    const env = options.env ?? process.env;
    const paths = statePaths(options.stateDir);
    const logs = createLogger({ stateDir: options.stateDir, level: options.logLevel ?? 'info', console: options.console, clock });
    const log = logs.child('app');
    const config = await ConfigStore.open({ path: paths.config, stateDir: options.stateDir, clock });
    if (!config.effective) log.error({ findings: config.findings }, `${paths.config} has errors; running with safe defaults until it is fixed (clawline config check)`);
    const effective = config.effective ?? resolveEffectiveConfig({}, { stateDir: options.stateDir });
    const pairing = PairingStore.open(options.stateDir, { clock });
    let gateway: Gateway | undefined;
    const connections = new ConnectionManager({
      stateDir: options.stateDir,
      accounts: accountSpecs(effective),
      auth: authBackend(options.keyProvider ?? null),
      logger: logs.child('connection'),
      clock,
      env,
      reconnect: effective.web.reconnect,
      heartbeatMs: effective.web.heartbeatSeconds * 1000,
      sentText: async (accountId, messageId) => (await gateway?.runtime(accountId))?.journal.sentText(messageId),
      ...options.timings,
    });
    gateway = new Gateway(options, logs, config, pairing, connections, clock);
    gateway.wire();
    log.info({ version: APP_VERSION, stateDir: options.stateDir, kind: options.kind }, 'Clawline gateway starting');
    if (options.control !== false) await gateway.startControl(options.control ?? {});
    if (options.connect !== false) await gateway.startConnections();
    return gateway;
  }

  private get settings(): EffectiveConfig {
    return this.config.effective ?? resolveEffectiveConfig({}, { stateDir: this.options.stateDir });
  }

  get controlUrl(): string | undefined {
    return this.control?.url;
  }

  private emit<E extends EventName>(event: E, payload: Events[E]): void {
    this.events.emit('event', event, payload);
  }

  subscribe(listener: <E extends EventName>(event: E, payload: Events[E]) => void): () => void {
    const fn = (event: EventName, payload: unknown) => listener(event, payload as never);
    this.events.on('event', fn);
    return () => this.events.off('event', fn);
  }

  private wire(): void {
    const c = this.connections;
    this.disposers.push(
      c.on('status', (s) => {
        const last = this.statusHistory.at(-1);
        if (!last || last.accountId !== s.accountId || last.state !== s.state) {
          this.statusHistory.push({ at: this.clock.now(), accountId: s.accountId, state: s.state, cause: s.cause });
          if (this.statusHistory.length > 500) this.statusHistory.splice(0, this.statusHistory.length - 500);
        }
        void this.summary().then((sum) => this.emit('status', sum));
      }),
      c.on('socket', (accountId, sock) => { void this.runtime(accountId).then((rt) => { rt.socket = sock; }); }),
      c.on('open', (accountId, sock) => {
        void this.runtime(accountId).then(async (rt) => {
          rt.socket = sock;
          if (!rt.resumed) {
            rt.resumed = true;
            const n = await rt.pipeline.resumePending();
            if (n > 0) this.logs.child('inbound', { accountId }).info({ count: n }, 'answering messages accepted before the last stop');
          }
        });
      }),
      c.on('messages.upsert', (accountId, upsert) => {
        void this.runtime(accountId).then((rt) => rt.pipeline.handleUpsert(upsert)).catch((err) => {
          this.logs.child('inbound', { accountId }).error({ err }, 'message batch could not be handled');
        });
      }),
    );
    const pairingChanged = (added?: PairingRequestView) => {
      void this.pairing.list().then((requests) => this.emit('pairing', { requests, added }));
      void this.summary().then((sum) => this.emit('status', sum));
    };
    const onRequest = (req: PairingRequestView) => pairingChanged(req);
    const onOther = () => pairingChanged();
    this.pairing.on('request', onRequest);
    this.pairing.on('approved', onOther);
    this.pairing.on('dismissed', onOther);
    this.disposers.push(() => { this.pairing.off('request', onRequest); this.pairing.off('approved', onOther); this.pairing.off('dismissed', onOther); });
    this.disposers.push(this.pairing.watch(onOther));
    this.disposers.push(this.logs.subscribe((entry) => this.emit('log', toLogLine(entry))));
    this.disposers.push(this.config.subscribe((event) => {
      this.emit('config', { findings: this.config.findings });
      if (event.type === 'changed') void this.applyConfig();
    }));
  }

  /** Hot reload: agent and account list follow the file; policies are read per message anyway. */
  private async applyConfig(): Promise<void> {
    const log = this.logs.child('config');
    const key = JSON.stringify(this.settings.clawline.agent);
    if (key !== this.agentKey) {
      try {
        this.agent = createAgent(this.settings.clawline.agent, { stateDir: this.options.stateDir, clock: this.clock, logger: this.logs.child('agent') });
        this.agentKey = key;
        log.info({ agent: this.agent.kind }, 'agent settings changed; new messages go to the new agent');
      } catch (err) {
        log.error({ err }, 'the new agent settings cannot be used; keeping the previous agent');
      }
    }
    if (!this.running) return;
    const wanted = accountSpecs(this.settings);
    for (const spec of wanted) {
      if (!this.connections.account(spec.accountId) && spec.enabled !== false) {
        log.info({ accountId: spec.accountId }, 'account added in the config; connecting it');
        await this.connections.ensureAccount(spec).start();
      }
    }
    for (const conn of this.connections.accounts()) {
      const id = conn.status().accountId;
      if (!wanted.some((s) => s.accountId === id)) {
        log.info({ accountId: id }, 'account removed from the config; stopping it (credentials stay)');
        await this.connections.removeAccount(id);
      }
    }
  }

  private accountSettings(accountId: string): AccountSettings | undefined {
    return this.settings.whatsapp.accounts.find((a) => a.accountId === accountId);
  }

  private pipelineSettings(accountId: string): PipelineSettings {
    const s = this.settings;
    const account = this.accountSettings(accountId) ?? resolveEffectiveConfig({}, { stateDir: this.options.stateDir }).whatsapp.accounts[0]!;
    return { ...account, mentionPatterns: s.clawline.mentionPatterns, catchUpWindowSeconds: s.clawline.catchUpWindowSeconds };
  }

  /** The account's pipeline and journal, opened once (on the first socket or message). */
  private runtime(accountId: string): Promise<AccountRuntime> {
    const existing = this.opening.get(accountId);
    if (existing) return existing;
    const promise = (async () => {
      const journal = await InboundJournal.open(journalPath(this.options.stateDir, accountId));
      const rt: AccountRuntime = { journal, resumed: false } as AccountRuntime;
      const transport = createBaileysTransport({
        socket: () => this.connections.waitForSocket(accountId),
        currentSocket: () => rt.socket,
        baileysLogger: this.logs.child('baileys' as never, { accountId }) as never,
      });
      rt.pipeline = new InboundPipeline({
        accountId,
        transport,
        getSettings: () => this.pipelineSettings(accountId),
        // Indirection so a hot-reloaded agent takes the next message.
        agent: { reply: (input: AgentInput) => this.agent.reply(input) },
        stores: { journal, pairing: this.pairing, allow: AllowStore.forAccount(this.options.stateDir, accountId) },
        logger: this.logs.child('inbound', { accountId }),
        mediaDir: join(statePaths(this.options.stateDir).media, accountId),
        clock: this.clock,
        resolveLidToPn: async (lid) => (await rt.socket?.signalRepository.lidMapping.getPNForLID(lid)) ?? undefined,
        minSendIntervalMs: this.options.pipeline?.minSendIntervalMs ?? this.settings.clawline.pacing.minIntervalMs,
        sendBackoffMs: this.options.pipeline?.sendBackoffMs,
      });
      this.runtimes.set(accountId, rt);
      return rt;
    })();
    this.opening.set(accountId, promise);
    return promise;
  }

  async startConnections(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.connections.start();
  }

  async stopConnections(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.connections.stop();
  }

  private async startControl(opts: { port?: number; rendererDir?: string }): Promise<void> {
    const token = await loadOrCreateToken(this.options.stateDir);
    const port = opts.port ?? this.settings.clawline.control.port;
    const log = this.logs.child('control');
    try {
      this.control = await startControlServer({
        handler: this,
        token,
        port,
        rendererDir: opts.rendererDir,
        onRefused: (reason, req) => log.warn({ reason, url: req.url, remote: req.socket.remoteAddress }, 'control request refused'),
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new GatewayError('failed', `The control port ${port} on 127.0.0.1 is already in use (another Clawline or another program).`, `Run "clawline gateway status" to see whether Clawline already runs, or choose another port: clawline config set clawline.control.port ${port + 1}`);
      }
      throw err;
    }
    await writeEndpoint(this.options.stateDir, { url: this.control.url, port: this.control.port, pid: process.pid, startedAt: this.clock.now(), kind: this.options.kind });
    log.info({ url: this.control.url }, 'control server listening on loopback');
  }

  async summary(): Promise<GatewaySummary> {
    const accounts: AccountStatus[] = this.connections.statuses().map((s) => {
      const rt = this.runtimes.get(s.accountId);
      return rt ? { ...s, pendingReplies: rt.pipeline.pendingReplies, lastInboundAt: s.lastInboundAt ?? rt.pipeline.lastInboundAt } : s;
    });
    const version = await this.connections.waVersion().catch(() => undefined);
    return {
      running: this.running,
      version: APP_VERSION,
      waWebVersion: version ? { version: version.version, source: version.source } : undefined,
      encryption: await this.encryptionSummary(),
      accounts,
      pendingPairing: (await this.pairing.list()).length,
    };
  }

  private async encryptionSummary(): Promise<GatewaySummary['encryption']> {
    const base = this.options.encryption ?? { enabled: !!this.options.keyProvider, provider: this.options.keyProvider?.id ?? 'none' };
    if (!this.options.keyProvider || !base.enabled) return base;
    const plain: string[] = [];
    for (const a of this.settings.whatsapp.accounts) if ((await storeFormat(a.authDir)) === 'plain') plain.push(a.accountId);
    if (plain.length === 0) return base;
    const note = `The credentials of ${plain.map((id) => `"${id}"`).join(', ')} are plain files (as OpenClaw keeps them), so OpenClaw can still use them; they are not encrypted.`;
    return { ...base, warning: base.warning ? `${base.warning} ${note}` : note };
  }

  private connection(accountId: string) {
    const conn = this.connections.account(accountId);
    if (conn) return conn;
    const spec = accountSpecs(this.settings).find((s) => s.accountId === accountId);
    if (!spec) throw new GatewayError('not-found', `There is no WhatsApp account "${accountId}" in the config.`, `Add it under channels.whatsapp.accounts.${accountId}, or use the account "default".`);
    return this.connections.ensureAccount(spec);
  }

  async handle<K extends OperationName>(op: K, request: ParsedRequestOf<K>): Promise<Responses[K]> {
    const r = request as Record<string, unknown>;
    const ok = { ok: true as const };
    switch (op) {
      case 'status.get':
        return (await this.summary()) as Responses[K];
      case 'link.start': {
        if (!this.running) await this.startConnections();
        const conn = this.connection(r.accountId as string);
        await conn.link(r.method === 'code' ? { method: 'code', phone: String(r.phone ?? '') } : { method: 'qr' });
        return ok as Responses[K];
      }
      case 'link.cancel':
        await this.connection(r.accountId as string).cancelLink();
        return ok as Responses[K];
      case 'account.logout':
        await this.connection(r.accountId as string).logout();
        return ok as Responses[K];
      case 'account.reset': {
        const result = await this.connection(r.accountId as string).reset();
        return { ok: true, backupDir: result.backupDir } as Responses[K];
      }
      case 'gateway.start':
        await this.startConnections();
        return ok as Responses[K];
      case 'gateway.stop':
        await this.stopConnections();
        return ok as Responses[K];
      case 'gateway.restart':
        await this.stopConnections();
        await this.startConnections();
        return ok as Responses[K];
      case 'pairing.list':
        return { requests: await this.pairing.list(r.accountId as string | undefined) } as Responses[K];
      case 'pairing.approve': {
        const result = await this.pairing.approve(r.code as string, { accountId: r.accountId as string | undefined, notify: r.notify as boolean });
        this.logs.child('access', { accountId: result.request.accountId }).info({ sender: result.request.id }, 'pairing request approved');
        if (result.notify) {
          await this.connections.sendMessage(result.request.accountId, result.notify.to, { text: result.notify.text }).catch((err) => {
            this.logs.child('outbound', { accountId: result.request.accountId }).warn({ err }, 'could not tell the sender they were approved');
          });
        }
        return { ok: true, id: result.request.id } as Responses[K];
      }
      case 'pairing.dismiss':
        await this.pairing.dismiss(r.code as string, { accountId: r.accountId as string | undefined });
        return ok as Responses[K];
      case 'settings.get': {
        const loaded = this.config.current;
        return { path: loaded.path, text: loaded.text, whatsapp: this.settings.whatsapp, agent: this.settings.clawline.agent, findings: loaded.findings } as Responses[K];
      }
      case 'settings.set': {
        const result = await this.config.set(r.path as (string | number)[], r.value);
        if (result.ok) await this.applyConfig();
        return { ok: result.ok, findings: result.findings } as Responses[K];
      }
      case 'settings.unset': {
        const result = await this.config.unset(r.path as (string | number)[]);
        if (result.ok) await this.applyConfig();
        return { ok: result.ok, findings: result.findings } as Responses[K];
      }
      case 'doctor.run': {
        const doctor = await import('./doctor/index.ts');
        return (await doctor.runDoctor(await this.doctorContext())) as Responses[K];
      }
      case 'doctor.fix': {
        const doctor = await import('./doctor/index.ts');
        return (await doctor.fixCheck(r.checkId as string, await this.doctorContext())) as unknown as Responses[K];
      }
      case 'logs.tail': {
        const lines = this.logs.recent({ level: r.level as never, subsystem: r.subsystem as string | undefined, accountId: r.accountId as string | undefined, search: r.search as string | undefined, limit: r.limit as number });
        return { lines: lines.map(toLogLine) } as Responses[K];
      }
      case 'diagnostics.export': {
        const doctor = await import('./doctor/index.ts').catch(() => undefined);
        const doctorResults = doctor ? await doctor.runDoctor(await this.doctorContext()).catch((err: Error) => ({ error: err.message })) : undefined;
        const sum = await this.summary();
        const path = await createDiagnosticsBundle({
          stateDir: this.options.stateDir,
          versions: { app: APP_VERSION, electron: process.versions.electron, node: process.versions.node, baileys: '7.0.0-rc14', waWeb: sum.waWebVersion?.version },
          statusHistory: { current: sum.accounts, history: this.statusHistory },
          lastDisconnects: sum.accounts.map((a) => ({ accountId: a.accountId, lastDisconnect: a.lastDisconnect })),
          doctorResults,
          clock: this.clock,
        });
        return { path } as Responses[K];
      }
      case 'agent.test':
        return (await testAgent(this.settings.clawline.agent, { stateDir: this.options.stateDir, clock: this.clock })) as Responses[K];
      default:
        throw new GatewayError('not-found', `unknown operation ${String(op)}`);
    }
  }

  private async doctorContext() {
    const doctor = await import('./doctor/index.ts');
    return doctor.createDoctorContext({
      stateDir: this.options.stateDir,
      env: this.options.env ?? process.env,
      clock: this.clock,
      keyProvider: this.options.keyProvider ?? null,
      gateway: doctor.inProcessGateway(() => this.summary(), this.startedAt),
    });
  }

  /** Sends a text from an account (used by tests, the CLI and the first-run check). */
  async sendText(accountId: string, jid: string, text: string): Promise<void> {
    if (!this.connections.account(accountId)) {
      const e = explainNoListener(accountId, undefined);
      throw new GatewayError('gateway-not-running', e.message, e.nextStep);
    }
    await this.connections.sendMessage(accountId, jid, { text });
  }

  async stop(): Promise<void> {
    const log = this.logs.child('app');
    log.info({}, 'Clawline gateway stopping');
    for (const dispose of this.disposers.splice(0)) dispose();
    // Stop agents and sends first: unanswered messages stay in the journal for the next run,
    // and quitting never waits for a slow agent.
    for (const rt of this.runtimes.values()) rt.pipeline.close();
    this.running = false;
    await this.connections.stop();
    for (const rt of this.runtimes.values()) await rt.journal.close();
    await this.control?.close();
    await removeEndpoint(this.options.stateDir);
    await this.config.close();
    await this.logs.close();
  }
}

/**
 * Credentials are encrypted with the key provider when the folder is new or already encrypted;
 * a folder of plain files (OpenClaw's, which OpenClaw must keep reading) stays plain until the
 * user migrates it explicitly. The marker decides, never a guess.
 */
function authBackend(keyProvider: KeyProvider | null): AuthBackend {
  const plain = defaultAuthBackend({ keyProvider: null });
  if (!keyProvider) return plain;
  const keyed = defaultAuthBackend({ keyProvider });
  const pick = async (dir: string) => ((await storeFormat(dir)) === 'plain' ? plain : keyed);
  return {
    createStore: async (o) => (await pick(o.dir)).createStore(o),
    isLinked: async (dir) => (await pick(dir)).isLinked(dir),
    archive: keyed.archive,
  };
}

function accountSpecs(cfg: EffectiveConfig): AccountSpec[] {
  return cfg.whatsapp.accounts.map((a) => ({ accountId: a.accountId, name: a.name, enabled: a.enabled, authDir: a.authDir }));
}

function toLogLine(entry: { time?: number; level: string; subsystem?: string; accountId?: string; msg: string; fields?: Record<string, unknown> }): LogLine {
  const { raw: _raw, fields, ...rest } = entry as typeof entry & { raw?: string };
  return { ...(fields ?? {}), ...rest, time: entry.time ?? 0, level: entry.level as LogLine['level'] };
}

export function startGateway(options: GatewayOptions): Promise<Gateway> {
  return Gateway.start(options);
}
