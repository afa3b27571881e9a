// The account's Baileys auth state: creds + Signal keys, cached in memory (the most recently used
// `maxCachedKeys`), written in durable batches. Replaces useMultiFileAuthState, which writes in place (a crash leaves 0-byte files, an
// empty creds.json means a new identity = logged out) and re-reads + parses a file on every access.
import type { AuthenticationCreds, AuthenticationState, SignalDataSet, SignalDataTypeMap, SignalKeyStore } from '@whiskeysockets/baileys';
import { mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fsyncCounter, writeFileAtomic } from '../shared/atomic-write.ts';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import { writeBatch, type BatchPlan } from './batch-write.ts';
import { parseValue, serializeValue } from './buffer-json.ts';
import { FileDecodeError, type FileCodec, type KeyProvider } from './codec.ts';
import { credsProblems, readCredsFile } from './creds.ts';
import { AuthStoreError, silentLogger, type AuthLogger } from './errors.ts';
import { BACKUP_FILE, CREDS_FILE, QUARANTINE_SUFFIX, classifyFile, keyFileName, type KeyType } from './layout.ts';
import { resolveCodec, writeMarker } from './marker.ts';
import { DEFAULT_PRUNE, planPnSessionPrune, planPreKeyPrune, preKeyId, type PruneOptions } from './prune.ts';
import { checkPermissions, scanDir, type DirEntry, type PermissionRepair } from './scan.ts';

export interface AuthStoreOptions {
  /** The account directory, e.g. statePaths(stateDir).accountAuthDir('default'). */
  dir: string;
  /** Encrypt at rest with this key; omit/null for plain files. Must match the directory's marker. */
  keyProvider?: KeyProvider | null;
  logger?: AuthLogger;
  clock?: Clock;
  /**
   * How long set()/saveCreds() changes wait before being written. 0 (default) = at the end of the
   * current event-loop turn, so everything Baileys sets in one turn shares one batch; while a batch
   * is being written, new changes gather for the next one (group commit).
   */
  flushDelayMs?: number;
  /** Pruning at open (see prune.ts); false to keep every file. */
  prune?: PruneOptions | false;
  /** Files written (and fsynced) in parallel within a batch; default 16. */
  writeConcurrency?: number;
  /**
   * Decoded key values kept in memory (default 2,000); the least recently used are read from disk
   * again when needed, so an account with thousands of contacts (or a flood of strangers) does not
   * hold every session forever. Values still to be written are never dropped.
   */
  maxCachedKeys?: number;
}

export interface QuarantinedFile {
  file: string;
  movedTo: string;
  problem: string;
}

export interface PruneResult {
  preKeys: number;
  sessions: number;
}

export interface AuthStoreStats {
  dir: string;
  format: 'plain' | 'encrypted';
  keyId?: string;
  /** Batches written (each: N files fsynced + one directory fsync). */
  flushes: number;
  filesWritten: number;
  bytesWritten: number;
  filesDeleted: number;
  dirFsyncs: number;
  /** fsync calls in this whole process since the store opened (main/shared/atomic-write's counter). */
  fsyncs: number;
  /** Key files read from disk (each at most once while the store is open). */
  fileReads: number;
  cachedKeys: number;
  keyFilesOnDisk: number;
  pendingKeys: number;
  backupsWritten: number;
  quarantined: QuarantinedFile[];
  tempFilesRemoved: string[];
  permissionsRepaired: PermissionRepair[];
  restoredFromBackup?: { reason: string; brokenFileMovedTo?: string };
  pruned: PruneResult;
  lastWriteError?: string;
}

export interface AuthStore {
  readonly dir: string;
  /** Pass to makeWASocket({ auth: state }). `state.creds` is the live object Baileys mutates. */
  readonly state: AuthenticationState;
  /** Queue a write of state.creds (latest wins); resolves once it is durable. Wire to 'creds.update'. */
  saveCreds(): Promise<void>;
  /** Resolves once every change made so far is durable. */
  flush(): Promise<void>;
  /** Flushes, then refuses further use. Call after the socket has ended. */
  close(): Promise<void>;
  /** Deletes stale pre-keys and dead phone-number sessions (also done at open). */
  prune(options?: PruneOptions): Promise<PruneResult>;
  stats(): AuthStoreStats;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // a batch nobody awaits must not become an unhandled rejection
  return { promise, resolve, reject };
}

interface Batch {
  /** Key file names whose current cache value (null = delete) must reach the disk. */
  keys: Set<string>;
  creds: boolean;
  credsError?: Error;
  done: Deferred;
}

const newBatch = (): Batch => ({ keys: new Set(), creds: false, done: deferred() });

/** Directories open in this process: two stores on one directory would overwrite each other. */
const openDirs = new Set<string>();

export async function createAuthStore(options: AuthStoreOptions): Promise<AuthStore> {
  const dir = resolve(options.dir);
  if (openDirs.has(dir)) {
    throw new AuthStoreError('ALREADY_OPEN', `The credential store ${dir} is already open in this process; close it before opening it again.`, dir);
  }
  openDirs.add(dir);
  const store = new AccountAuthStore(dir, options);
  try {
    await store.open();
  } catch (err) {
    openDirs.delete(dir);
    throw err;
  }
  return store;
}

/**
 * The SignalKeyStore Baileys should get as `auth.keys`. Baileys adds its own transaction layer
 * (addTransactionCapability) on top; wrapping it in makeCacheableSignalKeyStore is unnecessary:
 * recently used keys are already cached here.
 */
export function makeKeyStore(store: AuthStore): SignalKeyStore {
  return store.state.keys;
}

export function isStoreOpen(dir: string): boolean {
  return openDirs.has(resolve(dir));
}

type ProtoModule = typeof import('@whiskeysockets/baileys').proto;

class AccountAuthStore implements AuthStore {
  readonly state: AuthenticationState;
  private codec!: FileCodec;
  private readonly logger: AuthLogger;
  private readonly clock: Clock;
  private readonly flushDelayMs: number;
  private readonly concurrency: number;
  private readonly maxCachedKeys: number;
  /** Key files on disk or about to be written. */
  private readonly onDisk = new Set<string>();
  /** Decoded values by file name; null = known to be absent. */
  private readonly cache = new Map<string, unknown>();
  private readonly loads = new Map<string, Promise<unknown>>();
  private committedCreds: { text: string; bytes: Buffer } | null = null;
  private backupText: string | null = null;
  private pending = newBatch();
  /** The batch being written: its values must stay cached until they are on disk. */
  private writing: Batch | null = null;
  private flushing: Promise<void> | null = null;
  private timer: TimerHandle | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private proto: ProtoModule | undefined;
  private readonly fsyncBase = fsyncCounter.count;
  private readonly counters: AuthStoreStats;

  constructor(readonly dir: string, private readonly options: AuthStoreOptions) {
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.flushDelayMs = options.flushDelayMs ?? 0;
    this.concurrency = options.writeConcurrency ?? 16;
    this.maxCachedKeys = Math.max(1, options.maxCachedKeys ?? 2000);
    this.counters = {
      dir,
      format: 'plain',
      flushes: 0,
      filesWritten: 0,
      bytesWritten: 0,
      filesDeleted: 0,
      dirFsyncs: 0,
      fsyncs: 0,
      fileReads: 0,
      cachedKeys: 0,
      keyFilesOnDisk: 0,
      pendingKeys: 0,
      backupsWritten: 0,
      quarantined: [],
      tempFilesRemoved: [],
      permissionsRepaired: [],
      pruned: { preKeys: 0, sessions: 0 },
    };
    const keys: SignalKeyStore = {
      get: (type, ids) => this.get(type, ids),
      set: (data) => this.set(data),
    };
    this.state = { creds: undefined as unknown as AuthenticationCreds, keys };
  }

  // --- opening ---------------------------------------------------------------------------

  async open(): Promise<void> {
    const { dir } = this;
    const st = await stat(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!st) await mkdir(dir, { recursive: true, mode: 0o700 });
    else if (!st.isDirectory()) {
      throw new AuthStoreError('NOT_A_DIRECTORY', `${dir} is not a directory; the WhatsApp credentials need a folder there. Move that file away.`, dir);
    }

    const scanned = await scanDir(dir);
    const isTemp = (e: DirEntry) => classifyFile(e.name).kind === 'temp';
    const entries = scanned.filter((e) => !isTemp(e));
    // Decide how to read the folder before changing anything in it: a wrong or missing key is
    // refused with the folder exactly as it was.
    const { codec, markerToWrite } = await resolveCodec(dir, this.options.keyProvider, entries.map((e) => e.name));
    this.codec = codec;

    // Temp files are half-finished writes from a crash: the rename never happened, so the real
    // file still holds the previous committed version.
    for (const e of scanned.filter(isTemp)) {
      await unlink(join(dir, e.name)).catch(() => {});
      this.counters.tempFilesRemoved.push(e.name);
    }
    this.counters.permissionsRepaired = await checkPermissions(dir, entries, true);
    if (this.counters.permissionsRepaired.length) {
      this.logger.warn({ repaired: this.counters.permissionsRepaired }, 'Tightened credential file permissions (directory 0700, files 0600)');
    }
    if (markerToWrite) await writeMarker(dir, markerToWrite);
    this.counters.format = codec.format;
    if (codec.keyId) this.counters.keyId = codec.keyId;

    await this.loadCreds();

    for (const e of entries) {
      if (classifyFile(e.name).kind !== 'key') continue;
      if (e.size === 0) await this.quarantine(e.name, 'file is empty (0 bytes)');
      else this.onDisk.add(e.name);
    }

    if (this.options.prune !== false) await this.prune(this.options.prune);
  }

  private async loadCreds(): Promise<void> {
    const { dir, codec } = this;
    const main = await readCredsFile(dir, CREDS_FILE, codec);
    if (main.state === 'ok') {
      this.state.creds = main.creds as unknown as AuthenticationCreds;
      this.committedCreds = { text: main.text, bytes: main.bytes };
      const bak = await readCredsFile(dir, BACKUP_FILE, codec);
      if (bak.state === 'ok') {
        this.backupText = bak.text;
      } else {
        // Keep a backup at all times: copy the (validated) current file now.
        if (bak.state === 'broken') this.logger.warn({ file: join(dir, BACKUP_FILE), problem: bak.problem }, 'Replacing a damaged creds backup with the current creds.json');
        await this.writePlan({ writes: [], deletes: [], backup: { source: CREDS_FILE, target: BACKUP_FILE, currentBytes: main.bytes } });
        this.backupText = main.text;
        this.counters.backupsWritten++;
      }
      return;
    }
    const bak = await readCredsFile(dir, BACKUP_FILE, codec);
    if (bak.state === 'ok') {
      // Restore only here: the main file is missing or unusable and the backup validates.
      let brokenFileMovedTo: string | undefined;
      if (main.state === 'broken') {
        brokenFileMovedTo = `${CREDS_FILE}.${this.clock.now()}${QUARANTINE_SUFFIX}`;
        await rename(join(dir, CREDS_FILE), join(dir, brokenFileMovedTo));
      }
      await writeFileAtomic(join(dir, CREDS_FILE), bak.bytes);
      const reason = main.state === 'missing' ? 'creds.json was missing' : `creds.json ${main.problem}`;
      this.counters.restoredFromBackup = { reason, ...(brokenFileMovedTo ? { brokenFileMovedTo } : {}) };
      this.logger.warn({ dir, reason, brokenFileMovedTo }, 'Restored creds.json from creds.json.bak');
      this.state.creds = bak.creds as unknown as AuthenticationCreds;
      this.committedCreds = { text: bak.text, bytes: bak.bytes };
      this.backupText = bak.text;
      return;
    }
    if (main.state === 'missing' && bak.state === 'missing') {
      // Never linked (or cleanly reset): a fresh identity, written on the first saveCreds().
      const { initAuthCreds } = await import('@whiskeysockets/baileys');
      this.state.creds = initAuthCreds();
      return;
    }
    const mainSays = main.state === 'missing' ? 'is missing' : main.problem;
    const bakSays = bak.state === 'missing' ? 'is missing' : bak.problem;
    throw new AuthStoreError(
      'CREDS_UNREADABLE',
      `The WhatsApp credentials in ${dir} cannot be used: creds.json ${mainSays}, and creds.json.bak ${bakSays}. Nothing was changed or deleted. The account has to be linked again: archive this folder (clean reset) and link the phone again.`,
      join(dir, CREDS_FILE),
    );
  }

  // --- SignalKeyStore --------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new AuthStoreError('STORE_CLOSED', `The credential store ${this.dir} is closed; open it again to use it.`, this.dir);
  }

  async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    this.assertOpen();
    const out: { [id: string]: SignalDataTypeMap[T] } = {};
    const loading: Array<Promise<void>> = [];
    for (const id of ids) {
      const name = keyFileName(type, id);
      if (this.cache.has(name)) {
        const v = this.cache.get(name);
        // Most recently used last: the cache is trimmed from the front.
        this.cache.delete(name);
        this.cache.set(name, v);
        if (v !== null && v !== undefined) out[id] = v as SignalDataTypeMap[T];
      } else if (this.onDisk.has(name)) {
        loading.push(
          this.load(name).then((v) => {
            if (v !== null && v !== undefined) out[id] = v as SignalDataTypeMap[T];
          }),
        );
      }
    }
    if (loading.length) await Promise.all(loading);
    if (type === 'app-state-sync-key') {
      // Same as Baileys' helper: callers expect the protobuf message type.
      const proto = (this.proto ??= (await import('@whiskeysockets/baileys')).proto);
      for (const id of Object.keys(out)) {
        out[id] = proto.Message.AppStateSyncKeyData.fromObject(out[id] as object) as unknown as SignalDataTypeMap[T];
      }
    }
    return out;
  }

  private load(name: string): Promise<unknown> {
    let p = this.loads.get(name);
    if (!p) {
      p = this.readKeyFile(name).finally(() => this.loads.delete(name));
      this.loads.set(name, p);
    }
    return p;
  }

  private async readKeyFile(name: string): Promise<unknown> {
    let value: unknown = null;
    let bytes: Buffer | undefined;
    try {
      bytes = await readFile(join(this.dir, name));
      this.counters.fileReads++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (bytes) {
      try {
        value = parseValue(this.codec.open(name, bytes).toString('utf8'));
        if (value === null || value === undefined) throw new Error('file holds null');
      } catch (err) {
        value = null;
        // A set() meanwhile replaced the value (and will replace the file): nothing to set aside.
        if (!this.cache.has(name)) {
          const problem = err instanceof FileDecodeError ? err.message : `is not valid JSON (${(err as Error).message})`;
          await this.quarantine(name, problem);
        }
      }
    }
    if (!this.cache.has(name)) {
      this.cache.set(name, value);
      if (value === null) this.onDisk.delete(name);
      this.trimCache();
    }
    return this.cache.get(name);
  }

  /** Drops the least recently used values that are already on disk, down to 90 % of the limit. */
  private trimCache(): void {
    if (this.cache.size <= this.maxCachedKeys) return;
    const target = Math.floor(this.maxCachedKeys * 0.9);
    for (const name of this.cache.keys()) {
      if (this.cache.size <= target) break;
      if (this.pending.keys.has(name) || this.writing?.keys.has(name) || this.loads.has(name)) continue;
      this.cache.delete(name);
    }
  }

  /**
   * An unreadable key file is renamed *.corrupt (kept for inspection) and treated as missing:
   * Baileys rebuilds sessions and sender keys through retry receipts and re-fetches the rest.
   * Treating it as missing silently, as Baileys' helper does, would hide disk or crash damage.
   */
  private async quarantine(name: string, problem: string): Promise<void> {
    const movedTo = `${name}.${this.clock.now()}${QUARANTINE_SUFFIX}`;
    try {
      await rename(join(this.dir, name), join(this.dir, movedTo));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return;
    }
    this.onDisk.delete(name);
    this.counters.quarantined.push({ file: name, movedTo, problem });
    this.logger.warn({ dir: this.dir, file: name, movedTo, problem }, 'Set aside an unreadable key file; Baileys will rebuild it (a contact may need one retry)');
  }

  async set(data: SignalDataSet): Promise<void> {
    this.assertOpen();
    const batch = this.pending;
    for (const type of Object.keys(data) as KeyType[]) {
      const entries = data[type];
      if (!entries) continue;
      for (const id of Object.keys(entries)) {
        const value = entries[id];
        const name = keyFileName(type, id);
        // Like Baileys' helper: any falsy value means "remove".
        if (!value) {
          this.cache.set(name, null);
          this.onDisk.delete(name);
        } else {
          this.cache.set(name, value);
          this.onDisk.add(name);
        }
        batch.keys.add(name);
      }
    }
    if (batch.keys.size === 0 && !batch.creds) return;
    this.schedule();
    return batch.done.promise;
  }


  async saveCreds(): Promise<void> {
    this.assertOpen();
    const batch = this.pending;
    batch.creds = true;
    this.schedule();
    await batch.done.promise;
    if (batch.credsError) throw batch.credsError;
  }

  // --- writing -----------------------------------------------------------------------------

  private schedule(): void {
    if (this.timer || this.immediate || this.flushing) return; // a running flush reschedules itself
    const run = () => {
      this.timer = undefined;
      this.immediate = undefined;
      this.startFlush();
    };
    if (this.flushDelayMs > 0) this.timer = this.clock.setTimeout(run, this.flushDelayMs);
    else this.immediate = setImmediate(run); // not a timer: "end of this turn", so no Clock needed
  }

  private cancelScheduled(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private startFlush(): void {
    const batch = this.pending;
    if (this.flushing || (batch.keys.size === 0 && !batch.creds)) return;
    this.pending = newBatch();
    this.writing = batch;
    this.flushing = this.writeOut(batch).then(
      () => {
        delete this.counters.lastWriteError;
        batch.done.resolve();
      },
      (err: unknown) => {
        // Keep the changes: they are still in memory and go out with the next batch (Baileys
        // retries a failed commit; the next set()/saveCreds()/flush() triggers it).
        for (const name of batch.keys) this.pending.keys.add(name);
        if (batch.creds) this.pending.creds = true;
        this.counters.lastWriteError = (err as Error).message;
        this.logger.error({ dir: this.dir, err: (err as Error).message }, 'Writing credentials failed; will retry with the next change');
        batch.done.reject(err);
      },
    );
    void this.flushing.finally(() => {
      this.flushing = null;
      this.writing = null;
      this.trimCache(); // what this batch wrote may be dropped now
      if (!this.counters.lastWriteError && (this.pending.keys.size || this.pending.creds)) this.schedule();
    });
  }

  private async writeOut(batch: Batch): Promise<void> {
    const plan: BatchPlan = { writes: [], deletes: [] };
    for (const name of batch.keys) {
      const value = this.cache.get(name);
      if (value === null || value === undefined) plan.deletes.push(name);
      else plan.writes.push({ name, data: this.codec.seal(name, Buffer.from(serializeValue(value), 'utf8')) });
    }
    let newCreds: { text: string; bytes: Buffer } | undefined;
    let backedUp = false;
    if (batch.creds) {
      const creds = this.state.creds;
      const problems = credsProblems(creds);
      if (problems.length) {
        // Never replace a good creds.json with one Baileys could not reconnect with.
        batch.credsError = new AuthStoreError('CREDS_INVALID', `Refused to save creds to ${join(this.dir, CREDS_FILE)}: ${problems.join(', ')}. The file on disk was kept.`, join(this.dir, CREDS_FILE));
        this.logger.error({ dir: this.dir, problems }, 'Refused to save incomplete creds');
      } else {
        const text = serializeValue(creds);
        if (text !== this.committedCreds?.text) {
          newCreds = { text, bytes: this.codec.seal(CREDS_FILE, Buffer.from(text, 'utf8')) };
          plan.creds = { name: CREDS_FILE, data: newCreds.bytes };
          // The backup is the previous committed creds.json (validated when it was loaded or
          // written), refreshed only when it differs from what the backup already holds.
          if (this.committedCreds && this.committedCreds.text !== this.backupText) {
            plan.backup = { source: CREDS_FILE, target: BACKUP_FILE, currentBytes: this.committedCreds.bytes };
            backedUp = true;
          }
        }
      }
    }
    if (plan.writes.length || plan.deletes.length || plan.creds) await this.writePlan(plan);
    if (backedUp) {
      this.backupText = this.committedCreds!.text;
      this.counters.backupsWritten++;
    }
    if (newCreds) this.committedCreds = newCreds;
  }

  private async writePlan(plan: BatchPlan): Promise<void> {
    const r = await writeBatch(this.dir, plan, this.concurrency);
    this.counters.flushes++;
    this.counters.filesWritten += r.filesWritten;
    this.counters.bytesWritten += r.bytesWritten;
    this.counters.filesDeleted += r.filesDeleted;
    this.counters.dirFsyncs += r.dirFsyncs;
  }

  async flush(): Promise<void> {
    for (;;) {
      if (this.flushing) {
        await this.flushing;
        continue;
      }
      const batch = this.pending;
      if (batch.keys.size === 0 && !batch.creds) return;
      this.cancelScheduled();
      this.startFlush();
      await batch.done.promise;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.cancelScheduled();
      openDirs.delete(this.dir);
    }
  }

  // --- pruning -----------------------------------------------------------------------------

  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    this.assertOpen();
    const opts = { ...DEFAULT_PRUNE, ...options };
    const creds = this.state.creds as unknown as { firstUnuploadedPreKeyId?: unknown };
    const first = typeof creds.firstUnuploadedPreKeyId === 'number' ? creds.firstUnuploadedPreKeyId : 0;
    const preKeyCandidates: Array<{ name: string; id: number }> = [];
    const pnSessionIds: string[] = [];
    const sessionIds = new Set<string>();
    for (const name of this.onDisk) {
      const kind = classifyFile(name);
      if (kind.kind !== 'key') continue;
      if (kind.type === 'pre-key') {
        const id = preKeyId(kind.fileId);
        if (id !== undefined && id < first - opts.preKeyKeepRecentIds) preKeyCandidates.push({ name, id });
      } else if (kind.type === 'session') {
        sessionIds.add(kind.fileId);
        if (/^\d+\.\d+$/.test(kind.fileId)) pnSessionIds.push(kind.fileId);
      }
    }
    const withAge: Array<{ name: string; id: number; mtimeMs: number }> = [];
    for (const c of preKeyCandidates) {
      const s = await stat(join(this.dir, c.name)).catch(() => undefined);
      if (s) withAge.push({ ...c, mtimeMs: s.mtimeMs });
    }
    const preKeys = planPreKeyPrune(withAge, creds, this.clock.now(), opts);

    const pnUsers = [...new Set(pnSessionIds.map((id) => id.split('.')[0]!))];
    const mappings = pnUsers.length ? await this.get('lid-mapping', pnUsers) : {};
    const sessions = planPnSessionPrune(pnSessionIds, (pn) => mappings[pn], (id) => sessionIds.has(id) && this.onDisk.has(keyFileName('session', id)));

    if (preKeys.length || sessions.length) {
      const batch = this.pending;
      for (const name of [...preKeys, ...sessions.map((id) => keyFileName('session', id))]) {
        this.cache.set(name, null);
        this.onDisk.delete(name);
        batch.keys.add(name);
      }
      this.logger.info({ dir: this.dir, preKeys: preKeys.length, sessions: sessions.length }, 'Pruned stale pre-keys and dead phone-number sessions');
      await this.flush();
    }
    this.counters.pruned.preKeys += preKeys.length;
    this.counters.pruned.sessions += sessions.length;
    return { preKeys: preKeys.length, sessions: sessions.length };
  }

  stats(): AuthStoreStats {
    return {
      ...this.counters,
      fsyncs: fsyncCounter.count - this.fsyncBase,
      cachedKeys: [...this.cache.values()].filter((v) => v !== null).length,
      keyFilesOnDisk: this.onDisk.size,
      pendingKeys: this.pending.keys.size,
      quarantined: [...this.counters.quarantined],
      tempFilesRemoved: [...this.counters.tempFilesRemoved],
      permissionsRepaired: [...this.counters.permissionsRepaired],
      pruned: { ...this.counters.pruned },
    };
  }
}
