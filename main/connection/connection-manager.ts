// Many accounts at once, each with its own AccountConnection. Resolves the WhatsApp Web
// version once for all of them and re-emits every account's events with its id.
import { EventEmitter } from 'node:events';
import { readdir } from 'node:fs/promises';
import type { AnyMessageContent, BaileysEventMap, MiscMessageGenerationOptions, WAMessage, WASocket } from '@whiskeysockets/baileys';
import { statePaths } from '../shared/state-dir.ts';
import { AccountConnection, type AccountConnectionOptions } from './account-connection.ts';
import { ConnectionError } from './errors.ts';
import { explainDisabled, explainNoListener } from './explain.ts';
import type { AccountStatus } from './status.ts';
import { resolveWaVersion, type ResolvedWaVersion } from './version.ts';

export const DEFAULT_ACCOUNT_ID = 'default';

export interface AccountSpec {
  accountId: string;
  name?: string;
  /** Disabled accounts are listed (state stopped) but never connected. */
  enabled?: boolean;
  authDir?: string;
}

/** Everything an AccountConnection takes except what is per account. */
export type SharedAccountOptions = Omit<AccountConnectionOptions, 'accountId' | 'name' | 'authDir' | 'waVersion'>;

export interface ConnectionManagerOptions extends SharedAccountOptions {
  /** Accounts from the config; when omitted, the folders under credentials/whatsapp/. */
  accounts?: AccountSpec[];
  /** Replaceable for tests; defaults to resolveWaVersion (no internet when CLAWLINE_WA_URL is set). */
  resolveVersion?: () => Promise<ResolvedWaVersion>;
}

export interface ManagerEvents {
  status: [AccountStatus];
  'messages.upsert': [string, BaileysEventMap['messages.upsert'], WASocket];
  socket: [string, WASocket];
  open: [string, WASocket];
  linked: [string, { number: string; name?: string }];
  'credentials-archived': [string, { backupDir: string; reason: string }];
}

/** Account ids that have a credentials folder (OpenClaw's layout: credentials/whatsapp/<id>/). */
export async function discoverAccountIds(stateDir: string): Promise<string[]> {
  try {
    const entries = await readdir(statePaths(stateDir).whatsappCredentials, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && /^[A-Za-z0-9_-]{1,64}$/.test(e.name)).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

export class ConnectionManager {
  private readonly emitter = new EventEmitter();
  private readonly connections = new Map<string, AccountConnection>();
  private readonly disabled = new Set<string>();
  private versionPromise: Promise<ResolvedWaVersion> | undefined;

  constructor(private readonly opts: ConnectionManagerOptions) {}

  on<E extends keyof ManagerEvents>(event: E, listener: (...args: ManagerEvents[E]) => void): () => void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.emitter.off(event, listener as (...args: unknown[]) => void);
  }

  /** Creates the configured (or discovered) accounts and starts the enabled ones. */
  async start(): Promise<void> {
    const specs: AccountSpec[] = this.opts.accounts ?? (await discoverAccountIds(this.opts.stateDir)).map((accountId) => ({ accountId }));
    if (specs.length === 0) specs.push({ accountId: DEFAULT_ACCOUNT_ID });
    for (const spec of specs) this.ensureAccount(spec);
    // Not awaited here: each socket waits for the version itself, a not-linked account never does.
    void this.waVersion().then((version) => {
      if (version.note) this.opts.logger?.warn({ subsystem: 'connection', version: version.version }, `${version.note}; using the bundled WhatsApp Web version`);
    });
    await Promise.all(specs.filter((s) => s.enabled !== false).map((s) => this.connections.get(s.accountId)!.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.stop()));
  }

  /** The account's connection, creating it (not started) if it does not exist yet. */
  ensureAccount(spec: AccountSpec): AccountConnection {
    let conn = this.connections.get(spec.accountId);
    if (conn) return conn;
    conn = new AccountConnection({ ...this.opts, ...spec, waVersion: () => this.waVersion() });
    if (spec.enabled === false) this.disabled.add(spec.accountId);
    const id = spec.accountId;
    conn.on('status', (s) => this.emitter.emit('status', this.decorate(s)));
    conn.on('messages.upsert', (e, sock) => this.emitter.emit('messages.upsert', id, e, sock));
    conn.on('socket', (sock) => this.emitter.emit('socket', id, sock));
    conn.on('open', (sock) => this.emitter.emit('open', id, sock));
    conn.on('linked', (who) => this.emitter.emit('linked', id, who));
    conn.on('credentials-archived', (info) => this.emitter.emit('credentials-archived', id, info));
    this.connections.set(id, conn);
    return conn;
  }

  /** Stops an account and forgets it (its credentials stay where they are). */
  async removeAccount(accountId: string): Promise<void> {
    const conn = this.connections.get(accountId);
    if (!conn) return;
    await conn.stop();
    this.connections.delete(accountId);
    this.disabled.delete(accountId);
  }

  account(accountId: string): AccountConnection | undefined {
    return this.connections.get(accountId);
  }

  accounts(): AccountConnection[] {
    return [...this.connections.values()];
  }

  statuses(): AccountStatus[] {
    return this.accounts().map((c) => this.decorate(c.status()));
  }

  /** The WhatsApp Web version every socket announces (resolved once). */
  waVersion(): Promise<ResolvedWaVersion> {
    this.versionPromise ??= (this.opts.resolveVersion ?? (() => resolveWaVersion({ env: this.opts.env, clock: this.opts.clock })))();
    return this.versionPromise;
  }

  /** The socket to send with for an account; "no active listener" when it has none. */
  waitForSocket(accountId: string, timeoutMs?: number): Promise<WASocket> {
    const conn = this.connections.get(accountId);
    if (!conn) {
      const e = explainNoListener(accountId, undefined);
      return Promise.reject(new ConnectionError('no-active-listener', accountId, e.message, e.nextStep));
    }
    return conn.waitForSocket(timeoutMs);
  }

  async sendMessage(accountId: string, jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage | undefined> {
    const sock = await this.waitForSocket(accountId);
    return sock.sendMessage(jid, content, options);
  }

  private decorate(s: AccountStatus): AccountStatus {
    if (!this.disabled.has(s.accountId)) return s;
    if (s.state !== 'stopped') return { ...s, enabled: false };
    const { cause, nextStep } = explainDisabled(s.accountId);
    return { ...s, enabled: false, cause, nextStep, fix: undefined };
  }
}
