// Crash harness: a child process (crash-writer.ts) hammers a credential store like a busy
// session, the parent SIGKILLs it at random moments and checks what is left on disk.
// Reusable pieces: the deterministic workload (what round r writes), the runner (how the child is
// started), spawnWriter() (progress lines parsed), and the state checks. A later test can spawn
// the same writer against the simulator and add its own checks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unlink, readdir, readFile, stat } from 'node:fs/promises';
import { BufferJSON } from '../../main/auth/index.ts';
import { credsProblems } from '../../main/auth/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');
export const WRITER_SCRIPT = join(here, 'crash-writer.ts');

// --- the workload -----------------------------------------------------------------------------

export interface Workload {
  /** Distinct session ids; round r rewrites every id i with (i + r) % 3 === 0. */
  sessions: number;
  /** Pre-keys created per round (ids r*K+1..r*K+K); round r deletes round r-2's. */
  preKeysPerRound: number;
  /** Rounds started before the oldest has committed (more pending writes when killed). */
  inFlight: number;
}

export const DEFAULT_WORKLOAD: Workload = { sessions: 60, preKeysPerRound: 10, inFlight: 3 };

export const sessionWriters = (i: number) => (r: number) => (i + r) % 3 === 0;

export function sessionValue(round: number, i: number): { round: number; i: number; chain: Buffer } {
  return { round, i, chain: Buffer.alloc(64 + (i % 5) * 60, (round * 31 + i) & 0xff) };
}

export function preKeyValue(id: number): { public: Buffer; private: Buffer } {
  return { public: Buffer.alloc(32, id & 0xff), private: Buffer.alloc(32, (id >> 8) & 0xff) };
}

export const preKeyIds = (round: number, k: number) => Array.from({ length: k }, (_, j) => round * k + j + 1);

/** The crash counter the writer keeps in creds (additionalData.crashRound). */
export function credsRound(creds: unknown): number {
  const r = (creds as { additionalData?: { crashRound?: unknown } } | undefined)?.additionalData?.crashRound;
  return typeof r === 'number' ? r : 0;
}

// --- starting the writer ------------------------------------------------------------------------

export interface WriterConfig {
  dir: string;
  store: 'clawline' | 'baileys';
  /** base64 32-byte key: the clawline store is opened encrypted with staticKeyProvider(key). */
  key?: string;
  workload?: Workload;
}

export interface WriterRunner {
  command: string;
  args: string[];
  dispose(): Promise<void>;
}

/**
 * How to start crash-writer.ts. 'tsx' runs the TypeScript directly (node --import tsx, ~0.4 s
 * start-up). 'bundle' pre-compiles it once with esbuild (same code, Baileys left external) so each
 * start costs ~0.1 s: 200 kills then fit in well under a minute.
 */
export async function prepareWriterRunner(kind: 'bundle' | 'tsx' = 'bundle'): Promise<WriterRunner> {
  if (kind === 'tsx') return { command: process.execPath, args: ['--import', 'tsx', WRITER_SCRIPT], dispose: async () => {} };
  const { build } = await import('esbuild');
  const outDir = await mkdtemp(join(tmpdir(), 'clawline-crash-writer-'));
  // The bundle imports Baileys at run time: let it resolve from the repo's node_modules.
  await symlink(join(REPO_ROOT, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  const outfile = join(outDir, 'crash-writer.mjs');
  await build({ entryPoints: [WRITER_SCRIPT], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, external: ['@whiskeysockets/baileys', 'esbuild'], logLevel: 'silent' });
  return { command: process.execPath, args: [outfile], dispose: () => rm(outDir, { recursive: true, force: true }) };
}

export interface WriterProgress {
  /** Round the child found in creds when it started (set once it printed "ready"). */
  readyRound?: number;
  readyAt?: number;
  /** Highest round the child began writing / saw fully durable. */
  begun: number;
  committed: number;
  stderr: string;
}

export interface WriterHandle {
  child: ChildProcess;
  progress: WriterProgress;
  startedAt: number;
  ready: Promise<void>;
  /** Resolves at the child's first "commit" line (some round of its own is durable). */
  firstCommit: Promise<void>;
  /** SIGKILL (if still running) and wait until all of its output has been read. */
  kill(): Promise<void>;
  /** Resolves when the child has exited (by itself or killed); rejects never. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWriter(runner: WriterRunner, config: WriterConfig): WriterHandle {
  const child = spawn(runner.command, runner.args, {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, CLAWLINE_CRASH_WRITER: JSON.stringify(config) },
  });
  const progress: WriterProgress = { begun: 0, committed: 0, stderr: '' };
  let readyResolve!: () => void;
  let readyReject!: (err: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  ready.catch(() => {});
  let firstCommitResolve!: () => void;
  const firstCommit = new Promise<void>((res) => (firstCommitResolve = res));
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const [word, n] = buffered.slice(0, nl).split(' ');
      buffered = buffered.slice(nl + 1);
      const value = Number(n);
      if (word === 'ready') {
        progress.readyRound = value;
        progress.readyAt = Date.now();
        readyResolve();
      } else if (word === 'begin') progress.begun = Math.max(progress.begun, value);
      else if (word === 'commit') {
        progress.committed = Math.max(progress.committed, value);
        firstCommitResolve();
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (progress.stderr += chunk));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('close', (code, signal) => {
      readyReject(new Error(`writer exited before ready (code ${code}, signal ${signal}): ${progress.stderr}`));
      res({ code, signal });
    });
  });
  return {
    child,
    progress,
    startedAt: Date.now(),
    ready,
    firstCommit,
    closed,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await closed;
    },
  };
}

// --- checking what a kill left behind -----------------------------------------------------------

/** Progress over the whole life of one directory (many children in a row). */
export interface Lineage {
  /** Highest round any child reported durable. */
  floor: number;
  /** Highest round any child began. */
  ceiling: number;
}

export function absorb(lineage: Lineage, p: WriterProgress): void {
  lineage.floor = Math.max(lineage.floor, p.committed);
  lineage.ceiling = Math.max(lineage.ceiling, p.begun);
}

/**
 * Checks a snapshot of the clawline store (decoded values by file name, creds.json included)
 * against the workload: creds hold a committed round or one begun after it; every key file holds
 * a value some begun round wrote, no older than the last committed write; keys whose deletion
 * was committed are gone and keys created-but-not-yet-deleted are present. Returns problems.
 */
export function checkSnapshot(values: Map<string, unknown>, lineage: Lineage, workload: Workload = DEFAULT_WORKLOAD): string[] {
  const problems: string[] = [];
  const { floor, ceiling } = lineage;
  const creds = values.get('creds.json');
  if (!creds) {
    if (floor > 0) problems.push(`creds.json missing after round ${floor} was committed`);
  } else {
    const bad = credsProblems(creds);
    if (bad.length) problems.push(`creds invalid: ${bad.join(', ')}`);
    const r = credsRound(creds);
    if (r < floor || r > ceiling) problems.push(`creds round ${r} outside [committed ${floor}, begun ${ceiling}]`);
  }
  for (let i = 0; i < workload.sessions; i++) {
    const writes = sessionWriters(i);
    let lastCommittedWriter = 0;
    for (let r = floor; r >= 1; r--) if (writes(r)) { lastCommittedWriter = r; break; }
    const v = values.get(`session-${i}.0.json`) as { round?: number; i?: number; chain?: Buffer } | undefined;
    if (!v) {
      if (lastCommittedWriter) problems.push(`session ${i} missing (round ${lastCommittedWriter} wrote it and committed)`);
      continue;
    }
    const round = v.round ?? -1;
    if (v.i !== i || !writes(round) || round > ceiling || round < lastCommittedWriter) {
      problems.push(`session ${i} holds round ${round}, expected a round writing it in [${lastCommittedWriter}, ${ceiling}]`);
    } else if (!Buffer.isBuffer(v.chain) || !v.chain.equals(sessionValue(round, i).chain)) {
      problems.push(`session ${i} round ${round} content differs from what was written`);
    }
  }
  const k = workload.preKeysPerRound;
  const seenPreKeys = new Set<number>();
  for (const [name, v] of values) {
    const m = /^pre-key-(\d+)\.json$/.exec(name);
    if (!m) continue;
    const id = Number(m[1]);
    seenPreKeys.add(id);
    const expected = preKeyValue(id);
    const got = v as { public?: Buffer; private?: Buffer };
    if (!Buffer.isBuffer(got.public) || !got.public.equals(expected.public) || !Buffer.isBuffer(got.private) || !got.private.equals(expected.private)) {
      problems.push(`pre-key ${id} content differs from what was written`);
    }
  }
  for (let q = 1; q <= ceiling + 2; q++) {
    const mustExist = q <= floor && q + 2 > ceiling;
    const mustNotExist = q + 2 <= floor || q > ceiling;
    for (const id of preKeyIds(q, k)) {
      if (mustExist && !seenPreKeys.has(id)) problems.push(`pre-key ${id} (round ${q}) missing; created and committed, never deleted`);
      if (mustNotExist && seenPreKeys.has(id)) problems.push(`pre-key ${id} (round ${q}) present; ${q > ceiling ? 'never created' : 'its deletion was committed'}`);
    }
  }
  return problems;
}

export interface BaileysDamage {
  /** creds.json missing/empty/unparseable/incomplete: Baileys would start a new identity (logged out). */
  credsLost: boolean;
  /** Key files that are empty or not JSON (Baileys silently treats them as missing). */
  brokenKeyFiles: string[];
}

/**
 * Looks at a useMultiFileAuthState directory the way Baileys would load it, then removes what it
 * found broken (Baileys ignores those files anyway) so the next kill is counted on its own.
 */
export async function assessBaileysDir(dir: string, hadCommittedCreds: boolean): Promise<BaileysDamage> {
  const damage: BaileysDamage = { credsLost: false, brokenKeyFiles: [] };
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.json')) continue;
    const path = join(dir, name);
    let ok = false;
    try {
      const text = await readFile(path, 'utf8');
      const value = JSON.parse(text, BufferJSON.reviver);
      ok = name === 'creds.json' ? credsProblems(value).length === 0 : value !== null;
    } catch {
      ok = false;
    }
    if (ok) continue;
    if (name === 'creds.json') damage.credsLost = hadCommittedCreds;
    else damage.brokenKeyFiles.push(name);
    await unlink(path);
  }
  if (hadCommittedCreds && !(await stat(join(dir, 'creds.json')).catch(() => null))) damage.credsLost = true;
  return damage;
}

/** Random integer in [min, max]. */
export const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
