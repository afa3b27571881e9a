// DM pairing: access requests from unknown senders, in OpenClaw's file
// `credentials/whatsapp-pairing.json` = `{ version: 1, requests: [{ id: "+E164", code,
// createdAt, lastSeenAt, meta: { name, accountId } }] }` (timestamps ISO 8601, as OpenClaw writes).
// One file for every account; at most 3 pending per account; each lives 1 hour from creation
// (a repeat DM only moves lastSeenAt). Expiry is evaluated against the injected clock whenever
// the file is read, so there are no timers to leak and FakeClock drives it in tests.
// The CLI and the gateway may both write: every change is a locked read-modify-write.
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, watch as watchDir } from 'node:fs';
import { basename, dirname } from 'node:path';
import { statePaths } from '../shared/state-dir.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { AllowStore } from './allow-store.ts';
import { approvedNoticeText } from './pairing-texts.ts';
import { e164ToJid } from './phone.ts';
import { StoreFileError, readJsonFile, withFileLock, writeJsonFile } from './store-file.ts';

export const PAIRING_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const PAIRING_CODE_LENGTH = 8;
export const PAIRING_TTL_MS = 60 * 60 * 1000;
export const PAIRING_MAX_PENDING_PER_ACCOUNT = 3;

/** A pending request as the UI, CLI and control API show it (the control contract re-exports it). */
export interface PairingRequestView {
  accountId: string;
  code: string;
  /** Sender as +E164. */
  id: string;
  name?: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

export type PairingRequestOutcome =
  /** New request: send the sender the code (once). */
  | { kind: 'created'; request: PairingRequestView }
  /** The sender already has a pending request: send nothing. */
  | { kind: 'pending'; request: PairingRequestView }
  /** The account already has the maximum of pending requests: no request, no reply. */
  | { kind: 'full' };

export interface PairingEvents {
  request: [PairingRequestView];
  approved: [PairingRequestView];
  dismissed: [PairingRequestView];
}

export class PairingCodeNotFoundError extends Error {
  readonly code = 'not-found';
  constructor(pairingCode: string) {
    super(`No pending pairing request has the code ${pairingCode}. Codes expire after 1 hour; list the current ones with \`clawline pairing list\`.`);
    this.name = 'PairingCodeNotFoundError';
  }
}

interface StoredRequest {
  id: string;
  code: string;
  createdAt: string;
  lastSeenAt: string;
  meta?: { name?: string; accountId?: string; [k: string]: unknown };
  [k: string]: unknown;
}

interface PairingFile {
  version: 1;
  requests: StoredRequest[];
  [k: string]: unknown;
}

export interface PairingStoreOptions {
  path: string;
  /** Where approvals go: the per-account allow store. */
  allowStoreFor: (accountId: string) => AllowStore;
  clock?: Clock;
  ttlMs?: number;
  maxPendingPerAccount?: number;
}

function toMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    if (Number.isFinite(t)) return t;
  }
  return undefined;
}

function accountOf(r: StoredRequest): string {
  return typeof r.meta?.accountId === 'string' && r.meta.accountId ? r.meta.accountId : 'default';
}

export function generatePairingCode(): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += PAIRING_CODE_ALPHABET[randomInt(PAIRING_CODE_ALPHABET.length)];
  return code;
}

export class PairingStore extends EventEmitter<PairingEvents> {
  readonly path: string;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly maxPending: number;
  private readonly allowStoreFor: (accountId: string) => AllowStore;

  constructor(options: PairingStoreOptions) {
    super();
    this.path = options.path;
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlMs ?? PAIRING_TTL_MS;
    this.maxPending = options.maxPendingPerAccount ?? PAIRING_MAX_PENDING_PER_ACCOUNT;
    this.allowStoreFor = options.allowStoreFor;
  }

  /** The store in a state dir, approvals going to each account's allow store there. */
  static open(stateDir: string, options: { clock?: Clock } = {}): PairingStore {
    return new PairingStore({
      path: statePaths(stateDir).pairingStore,
      clock: options.clock,
      allowStoreFor: (accountId) => AllowStore.forAccount(stateDir, accountId),
    });
  }

  get ttlMinutes(): number {
    return Math.round(this.ttlMs / 60_000);
  }

  private view(r: StoredRequest): PairingRequestView {
    const createdAt = toMs(r.createdAt) ?? 0;
    const view: PairingRequestView = {
      accountId: accountOf(r),
      code: r.code,
      id: r.id,
      createdAt,
      expiresAt: createdAt + this.ttlMs,
      lastSeenAt: toMs(r.lastSeenAt) ?? createdAt,
    };
    if (typeof r.meta?.name === 'string' && r.meta.name) view.name = r.meta.name;
    return view;
  }

  private isLive(r: StoredRequest, now: number): boolean {
    const created = toMs(r.createdAt);
    return created !== undefined && now < created + this.ttlMs;
  }

  private async read(): Promise<PairingFile> {
    const raw = await readJsonFile(this.path);
    if (raw === undefined) return { version: 1, requests: [] };
    if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as PairingFile).requests)) {
      throw new StoreFileError(this.path, 'should look like {"version": 1, "requests": [...]}. Fix it by hand or move it aside.');
    }
    const file = raw as PairingFile;
    const requests = file.requests.filter(
      (r): r is StoredRequest => !!r && typeof r === 'object' && typeof r.id === 'string' && typeof r.code === 'string',
    );
    return { ...file, version: 1, requests };
  }

  /** Locked read-modify-write; expired requests are dropped on every write. */
  private async update<T>(fn: (file: PairingFile, now: number) => { result: T; changed: boolean }): Promise<T> {
    return withFileLock(this.path, async () => {
      const file = await this.read();
      const now = this.clock.now();
      const before = file.requests.length;
      file.requests = file.requests.filter((r) => this.isLive(r, now));
      const { result, changed } = fn(file, now);
      if (changed || file.requests.length !== before) await writeJsonFile(this.path, file);
      return result;
    });
  }

  /**
   * An unknown sender wrote under `pairing`. Creates a request unless one is pending (then only
   * lastSeenAt moves) or the account is full. The caller sends the code only for `created`.
   */
  async request(input: { accountId: string; e164: string; name?: string }): Promise<PairingRequestOutcome> {
    const outcome = await this.update<PairingRequestOutcome>((file, now) => {
      const existing = file.requests.find((r) => r.id === input.e164 && accountOf(r) === input.accountId);
      if (existing) {
        existing.lastSeenAt = new Date(now).toISOString();
        return { result: { kind: 'pending', request: this.view(existing) }, changed: true };
      }
      const pendingHere = file.requests.filter((r) => accountOf(r) === input.accountId).length;
      if (pendingHere >= this.maxPending) return { result: { kind: 'full' }, changed: false };
      const taken = new Set(file.requests.map((r) => r.code.toUpperCase()));
      let code = generatePairingCode();
      while (taken.has(code)) code = generatePairingCode();
      const stamp = new Date(now).toISOString();
      const stored: StoredRequest = { id: input.e164, code, createdAt: stamp, lastSeenAt: stamp, meta: { accountId: input.accountId } };
      if (input.name) stored.meta!.name = input.name;
      file.requests.push(stored);
      return { result: { kind: 'created', request: this.view(stored) }, changed: true };
    });
    if (outcome.kind === 'created') this.emit('request', outcome.request);
    return outcome;
  }

  /**
   * Calls `listener` whenever the store file changes, whoever wrote it (the CLI approving while
   * the gateway runs, for instance), so the tray and window can refresh their badge with list().
   * Returns the function that stops watching.
   */
  watch(listener: () => void): () => void {
    const dir = dirname(this.path);
    const name = basename(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The directory, not the file: atomic writes replace the file, which ends a file watch.
    const watcher = watchDir(dir, (_event, filename) => {
      if (!filename || filename.toString() === name) listener();
    });
    watcher.on('error', () => {});
    watcher.unref();
    return () => watcher.close();
  }

  /** Pending requests (expired ones are pruned from the file), oldest first. */
  async list(accountId?: string): Promise<PairingRequestView[]> {
    const now = this.clock.now();
    const file = await this.read();
    const live = file.requests.filter((r) => this.isLive(r, now));
    if (live.length !== file.requests.length) await this.update(() => ({ result: undefined, changed: false }));
    return live
      .map((r) => this.view(r))
      .filter((v) => accountId === undefined || v.accountId === accountId)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  private findByCode(file: PairingFile, code: string, accountId?: string): StoredRequest | undefined {
    const wanted = code.trim().toUpperCase();
    return file.requests.find((r) => r.code.toUpperCase() === wanted && (accountId === undefined || accountOf(r) === accountId));
  }

  /**
   * Approves a request: the sender joins the account's allow store (DMs only), then the request
   * is removed (in that order, so a crash in between never loses an approval). With `notify`,
   * returns the message for the caller to send to the sender.
   */
  async approve(
    code: string,
    options: { accountId?: string; notify?: boolean } = {},
  ): Promise<{ request: PairingRequestView; notify?: { to: string; text: string } }> {
    const request = await withFileLock(this.path, async () => {
      const file = await this.read();
      const now = this.clock.now();
      const found = this.findByCode(file, code, options.accountId);
      if (!found || !this.isLive(found, now)) throw new PairingCodeNotFoundError(code.trim().toUpperCase());
      const view = this.view(found);
      await this.allowStoreFor(view.accountId).add(view.id);
      file.requests = file.requests.filter((r) => r !== found && this.isLive(r, now));
      await writeJsonFile(this.path, file);
      return view;
    });
    this.emit('approved', request);
    return options.notify ? { request, notify: { to: e164ToJid(request.id), text: approvedNoticeText() } } : { request };
  }

  /** Drops a request without approving it (not a block: the sender may ask again later). */
  async dismiss(code: string, options: { accountId?: string } = {}): Promise<PairingRequestView> {
    const request = await this.update((file, now) => {
      const found = this.findByCode(file, code, options.accountId);
      if (!found || !this.isLive(found, now)) throw new PairingCodeNotFoundError(code.trim().toUpperCase());
      file.requests = file.requests.filter((r) => r !== found);
      return { result: this.view(found), changed: true };
    });
    this.emit('dismissed', request);
    return request;
  }
}
