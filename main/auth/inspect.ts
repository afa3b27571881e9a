// Read-only looks at an account directory, for status and the doctor's report mode: nothing here
// writes, renames or chmods (createAuthStore() is what repairs).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseValue } from './buffer-json.ts';
import { encryptedCodec, plainCodec, sameKeyCheck, type FileCodec, type KeyProvider } from './codec.ts';
import { linkedIdentity, readCredsFile, type CredsFileState, type LinkedIdentity } from './creds.ts';
import { AuthStoreError } from './errors.ts';
import { BACKUP_FILE, CREDS_FILE, classifyFile } from './layout.ts';
import { describeLayout, existingFilesEncrypted, markerLayout, readMarker } from './marker.ts';
import { planPnSessionPrune, planPreKeyPrune, preKeyId, type PruneOptions } from './prune.ts';
import { checkPermissions, scanDir, type PermissionRepair } from './scan.ts';

export interface LinkState {
  /** creds.json (or the backup the store would restore) is valid and names the linked phone. */
  linked: boolean;
  me?: LinkedIdentity;
  /** Something the user should know (damaged file, missing key...), with what to do. */
  problem?: string;
  source?: 'creds.json' | 'creds.json.bak';
  encrypted: boolean;
  /**
   * false when the files could not be decrypted (no key or the wrong one): `linked` is then only
   * inferred from a non-empty creds file being there, as OpenClaw defines "linked".
   */
  verified: boolean;
}

interface ReadAccess {
  codec?: FileCodec;
  encrypted: boolean;
  problem?: string;
}

/** How to read `dir` without changing it; explains instead of throwing when it cannot. */
async function readAccess(dir: string, keyProvider: KeyProvider | null | undefined, names: string[]): Promise<ReadAccess> {
  let marker;
  try {
    marker = await readMarker(dir);
  } catch (err) {
    if (err instanceof AuthStoreError) return { encrypted: false, problem: err.message };
    throw err;
  }
  if (!marker) {
    if (await existingFilesEncrypted(dir, names)) {
      return { encrypted: true, problem: `${dir} holds encrypted credential files but its marker clawline-store.json is missing; restore the marker from a backup.` };
    }
    return { codec: plainCodec, encrypted: false };
  }
  const migrating = marker.migration ? ` A change of encryption to ${describeLayout(marker.migration.to)} was interrupted; run migrateStoreEncryption() again to finish it.` : '';
  if (marker.format === 'plain') return { codec: plainCodec, encrypted: false, ...(migrating ? { problem: migrating.trim() } : {}) };
  const layout = markerLayout(marker);
  if (!keyProvider) return { encrypted: true, problem: `The credentials in ${dir} are ${describeLayout(layout)}; that key is needed to read them.${migrating}` };
  if (keyProvider.id !== marker.keyId) return { encrypted: true, problem: `The credentials in ${dir} are ${describeLayout(layout)}, not with "${keyProvider.id}".${migrating}` };
  const codec = await encryptedCodec(keyProvider);
  if (!sameKeyCheck(codec.keyCheck, marker.keyCheck!)) return { encrypted: true, problem: `The key from "${keyProvider.id}" is not the key the credentials in ${dir} were encrypted with.${migrating}` };
  return { codec, encrypted: true, ...(migrating ? { problem: migrating.trim() } : {}) };
}

async function nonEmptyFile(path: string): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  return !!s && s.isFile() && s.size > 1;
}

function describe(state: CredsFileState): string {
  return state.state === 'missing' ? 'is missing' : state.state === 'broken' ? state.problem : 'is fine';
}

async function linkStateWith(dir: string, access: ReadAccess): Promise<LinkState & { creds?: Record<string, unknown> }> {
  const { codec, encrypted } = access;
  if (!codec) {
    const present = (await nonEmptyFile(join(dir, CREDS_FILE))) || (await nonEmptyFile(join(dir, BACKUP_FILE)));
    return { linked: present, encrypted, verified: false, ...(access.problem ? { problem: access.problem } : {}) };
  }
  const extra = access.problem ? ` ${access.problem}` : '';
  const main = await readCredsFile(dir, CREDS_FILE, codec);
  if (main.state === 'ok') {
    const me = linkedIdentity(main.creds);
    return { linked: !!me, ...(me ? { me } : {}), source: CREDS_FILE, encrypted, verified: true, creds: main.creds, ...(extra ? { problem: extra.trim() } : {}) };
  }
  const bak = await readCredsFile(dir, BACKUP_FILE, codec);
  if (bak.state === 'ok') {
    const me = linkedIdentity(bak.creds);
    return {
      linked: !!me,
      ...(me ? { me } : {}),
      source: BACKUP_FILE,
      encrypted,
      verified: true,
      creds: bak.creds,
      problem: `${join(dir, CREDS_FILE)} ${describe(main)}; the backup creds.json.bak is valid and will be restored when the gateway starts.${extra}`,
    };
  }
  if (main.state === 'missing' && bak.state === 'missing') return { linked: false, encrypted, verified: true, ...(extra ? { problem: extra.trim() } : {}) };
  return {
    linked: false,
    encrypted,
    verified: true,
    problem: `${join(dir, CREDS_FILE)} ${describe(main)} and creds.json.bak ${describe(bak)}: the account has to be linked again (archive the folder with a clean reset, then link).${extra}`,
  };
}

/** Is this account linked, and to whom? Read-only; never throws for damaged or locked files. */
export async function readLinkState(dir: string, options: { keyProvider?: KeyProvider | null } = {}): Promise<LinkState> {
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) return { linked: false, encrypted: false, verified: true };
  const names = (await scanDir(dir)).map((e) => e.name);
  const { creds: _creds, ...state } = await linkStateWith(dir, await readAccess(dir, options.keyProvider, names));
  return state;
}

export interface AuthDirReport {
  dir: string;
  exists: boolean;
  encrypted: boolean;
  link: LinkState;
  /** Every problem found, each a sentence naming the file and the fix. */
  problems: string[];
  keyFiles: number;
  filesByType: Record<string, number>;
  /** Key files that cannot be read (the store will set them aside as *.corrupt). */
  unreadableFiles: Array<{ file: string; problem: string }>;
  tempFiles: string[];
  quarantinedFiles: string[];
  otherFiles: string[];
  permissionProblems: PermissionRepair[];
  /** What the store's pruning would delete at the next open. */
  prunable: { preKeys: number; sessions: number };
  /** Decoded values by file name (only with includeValues), creds.json included when readable. */
  values?: Map<string, unknown>;
}

/** Full read-only check of an account directory (reads every key file). */
export async function inspectAuthDir(dir: string, options: { keyProvider?: KeyProvider | null; includeValues?: boolean; prune?: PruneOptions; now?: number } = {}): Promise<AuthDirReport> {
  const report: AuthDirReport = {
    dir,
    exists: false,
    encrypted: false,
    link: { linked: false, encrypted: false, verified: true },
    problems: [],
    keyFiles: 0,
    filesByType: {},
    unreadableFiles: [],
    tempFiles: [],
    quarantinedFiles: [],
    otherFiles: [],
    permissionProblems: [],
    prunable: { preKeys: 0, sessions: 0 },
  };
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) return report;
  report.exists = true;
  const entries = await scanDir(dir);
  const names = entries.map((e) => e.name);
  const access = await readAccess(dir, options.keyProvider, names);
  report.encrypted = access.encrypted;
  const { creds, ...link } = await linkStateWith(dir, access);
  report.link = link;
  if (link.problem) report.problems.push(link.problem);

  report.permissionProblems = await checkPermissions(dir, entries, false);
  for (const p of report.permissionProblems) report.problems.push(`${p.path} has mode ${p.was}, should be ${p.now} (credentials must be private).`);

  const values = new Map<string, unknown>();
  const preKeys: Array<{ name: string; id: number; mtimeMs: number }> = [];
  const sessions = new Set<string>();
  for (const e of entries) {
    const kind = classifyFile(e.name);
    if (kind.kind === 'temp') report.tempFiles.push(e.name);
    else if (kind.kind === 'quarantined') report.quarantinedFiles.push(e.name);
    else if (kind.kind === 'other') report.otherFiles.push(e.name);
    if (kind.kind !== 'key') continue;
    report.keyFiles++;
    report.filesByType[kind.type] = (report.filesByType[kind.type] ?? 0) + 1;
    if (kind.type === 'pre-key') {
      const id = preKeyId(kind.fileId);
      if (id !== undefined) preKeys.push({ name: e.name, id, mtimeMs: e.mtimeMs });
    }
    if (kind.type === 'session') sessions.add(kind.fileId);
    if (!access.codec) continue;
    try {
      const value = parseValue(access.codec.open(e.name, await readFile(join(dir, e.name))).toString('utf8'));
      if (value === null || value === undefined) throw new Error('file holds null');
      if (options.includeValues || kind.type === 'lid-mapping') values.set(e.name, value);
    } catch (err) {
      const problem = (err as Error).message;
      report.unreadableFiles.push({ file: e.name, problem });
      report.problems.push(`${join(dir, e.name)} cannot be read (${problem}); the gateway will set it aside as .corrupt and Baileys will rebuild it.`);
    }
  }
  if (report.tempFiles.length) report.problems.push(`${report.tempFiles.length} leftover temp file(s) from an interrupted write in ${dir}; removed when the gateway starts.`);
  if (creds) {
    report.prunable.preKeys = planPreKeyPrune(preKeys, creds, options.now ?? Date.now(), options.prune).length;
    const pnIds = [...sessions].filter((id) => /^\d+\.\d+$/.test(id));
    report.prunable.sessions = planPnSessionPrune(pnIds, (pn) => values.get(`lid-mapping-${pn}.json`) as string | undefined, (id) => sessions.has(id)).length;
  }
  if (options.includeValues) {
    if (creds) values.set(link.source ?? CREDS_FILE, creds);
    report.values = values;
  }
  return report;
}
