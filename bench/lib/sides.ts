// Starting one side of the comparison in its own process. The children are bundled once with
// esbuild (our TypeScript compiled, node_modules left external, as scripts/build.mjs builds the
// shipped CLI), so neither side pays for TypeScript compilation at start-up and both start the
// same way. When `taskset` exists the simulator and the gateway are pinned to different cores.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHILD_CONFIG_ENV, type ChildConfig, type ChildMessage, type ParentMessage, type ResourceSample, type Side } from '../child/protocol.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');

export type AccountMessage = Extract<ChildMessage, { type: 'account' }>;

export interface ChildScripts {
  clawline: string;
  baseline: string;
  storeReplay: string;
  dispose(): Promise<void>;
}

/** Bundles the child entry points into a temp folder (its node_modules links to the repo's). */
export async function prepareChildScripts(): Promise<ChildScripts> {
  const { build } = await import('esbuild');
  const outDir = await mkdtemp(join(tmpdir(), 'clawline-bench-'));
  await symlink(join(REPO_ROOT, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: { clawline: 'bench/child/clawline.ts', baseline: 'bench/child/baseline.ts', 'store-replay': 'bench/child/store-replay.ts' },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" },
  });
  return {
    clawline: join(outDir, 'clawline.mjs'),
    baseline: join(outDir, 'baseline.mjs'),
    storeReplay: join(outDir, 'store-replay.mjs'),
    dispose: () => rm(outDir, { recursive: true, force: true }),
  };
}

let tasksetChecked: boolean | undefined;
/** Whether processes can be pinned to cores here (Linux with taskset and at least 2 CPUs). */
export function canPin(): boolean {
  if (tasksetChecked === undefined) {
    const r = spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    tasksetChecked = r.status === 0 && availableParallelism() >= 2;
  }
  return tasksetChecked;
}

/** Pins the current process (the simulator and load generator) to one core. */
export function pinSelf(cpu: number): boolean {
  if (!canPin()) return false;
  return spawnSync('taskset', ['-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

export interface SideProcess {
  readonly side: Side;
  readonly config: ChildConfig;
  readonly child: ChildProcess;
  /** Date.now() when the process was spawned. */
  readonly spawnedAt: number;
  readonly ready: Promise<Extract<ChildMessage, { type: 'ready' }>>;
  /** Every account message, in order. */
  readonly history: AccountMessage[];
  /** The latest message per account. */
  readonly accounts: Map<string, AccountMessage>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly fatal: string[];
  /** The control server URL once the gateway runs (Clawline with `control: true`). */
  controlUrl?: string;
  /** Resolves once a Clawline child's gateway has started (its 'gateway' message). */
  readonly gatewayStarted: Promise<void>;
  /** Resolves with the child's 'result' message (store-replay child). */
  readonly result: Promise<unknown>;
  /** Resolves with the first account message (from now on, or the latest one) matching. */
  waitAccount(accountId: string, match: (m: AccountMessage) => boolean, timeoutMs?: number, what?: string): Promise<AccountMessage>;
  /** Calls `listener` for every account message from now on; returns the unsubscribe. */
  onAccount(listener: (m: AccountMessage) => void): () => void;
  sample(gc?: boolean): Promise<ResourceSample>;
  call(op: string, request?: unknown): Promise<unknown>;
  link(accountId: string): void;
  /** Clean stop (gateway.stop / sock.end); SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  kill(): Promise<void>;
  alive(): boolean;
  /** The last lines the child wrote to stderr/stdout (for error messages). */
  output(): string;
}

export interface SpawnOptions {
  /** Pin to this core (when taskset is available). */
  cpu?: number;
  env?: NodeJS.ProcessEnv;
  /** V8 heap limit in MB (only where a suite expects runaway memory, so a crash comes sooner). */
  maxOldSpaceMb?: number;
}

export function spawnSide(scripts: ChildScripts, config: ChildConfig, options: SpawnOptions = {}): SideProcess {
  const script = config.side === 'clawline' ? scripts.clawline : scripts.baseline;
  return spawnChild(script, config, options);
}

export function spawnChild(script: string, config: ChildConfig, options: SpawnOptions = {}): SideProcess {
  // CLAWLINE_BENCH_CPU_PROF=<dir>: every child writes a V8 CPU profile there (to see where time goes).
  const profDir = process.env.CLAWLINE_BENCH_CPU_PROF;
  const nodeArgs = ['--expose-gc', ...(options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : []), ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), script];
  const pinned = options.cpu !== undefined && canPin();
  const child = spawn(pinned ? 'taskset' : process.execPath, pinned ? ['-c', String(options.cpu), process.execPath, ...nodeArgs] : nodeArgs, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...options.env, [CHILD_CONFIG_ENV]: JSON.stringify(config) },
  });
  const spawnedAt = Date.now();
  let tail = '';
  const keep = (chunk: Buffer) => { tail = (tail + chunk.toString('utf8')).slice(-4000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const history: AccountMessage[] = [];
  const accounts = new Map<string, AccountMessage>();
  const listeners = new Set<(m: AccountMessage) => void>();
  const pending = new Map<number, (m: ChildMessage) => void>();
  const fatal: string[] = [];
  let nextId = 1;
  let readyResolve!: (m: Extract<ChildMessage, { type: 'ready' }>) => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<Extract<ChildMessage, { type: 'ready' }>>((res, rej) => { readyResolve = res; readyReject = rej; });
  ready.catch(() => {});
  let startedResolve!: () => void;
  let startedReject!: (e: Error) => void;
  const gatewayStarted = new Promise<void>((res, rej) => { startedResolve = res; startedReject = rej; });
  gatewayStarted.catch(() => {});
  let resultResolve!: (r: unknown) => void;
  let resultReject!: (e: Error) => void;
  const result = new Promise<unknown>((res, rej) => { resultResolve = res; resultReject = rej; });
  result.catch(() => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('exit', (code, signal) => {
      startedReject(new Error(`${config.side} child exited before its gateway started (code ${code}, signal ${signal}): ${fatal.join(' | ')} ${tail}`));
      resultReject(new Error(`${config.side} child exited without a result (code ${code}, signal ${signal}): ${fatal.join(' | ')} ${tail}`));
      readyReject(new Error(`${config.side} child exited before it was ready (code ${code}, signal ${signal}): ${tail}`));
      for (const [, reject] of pending) reject({ type: 'reply', id: 0, ok: false, error: `${config.side} child exited` });
      pending.clear();
      res({ code, signal });
    });
  });
  child.on('message', (m: ChildMessage) => {
    switch (m.type) {
      case 'ready': readyResolve(m); return;
      case 'account':
        history.push(m);
        accounts.set(m.accountId, m);
        for (const l of listeners) l(m);
        return;
      case 'sample':
      case 'reply': {
        const done = pending.get(m.id);
        pending.delete(m.id);
        done?.(m);
        return;
      }
      case 'gateway': proc.controlUrl = m.controlUrl; startedResolve(); return;
      case 'result': resultResolve(m.result); return;
      case 'fatal': fatal.push(m.error); return;
    }
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const request = (msg: ParentMessage & { id: number }): Promise<ChildMessage> =>
    new Promise((res) => {
      if (!alive() || !child.connected) return res({ type: 'reply', id: msg.id, ok: false, error: `${config.side} child is not running` });
      pending.set(msg.id, res);
      child.send(msg);
    });

  const proc: SideProcess = {
    side: config.side, config, child, spawnedAt, ready, history, accounts, exited, fatal, result, gatewayStarted,
    waitAccount(accountId, match, timeoutMs = 60_000, what = 'state') {
      const current = accounts.get(accountId);
      if (current && match(current)) return Promise.resolve(current);
      return new Promise((res, rej) => {
        const off = proc.onAccount((m) => {
          if (m.accountId !== accountId || !match(m)) return;
          clearTimeout(timer); off(); res(m);
        });
        const timer = setTimeout(() => {
          off();
          rej(new Error(`${config.side} account ${accountId}: no ${what} within ${timeoutMs} ms (last: ${JSON.stringify(accounts.get(accountId) ?? null)}; fatal: ${fatal.join(' | ')}; output: ${tail.slice(-800)})`));
        }, timeoutMs);
        void exited.then(() => { clearTimeout(timer); off(); rej(new Error(`${config.side} child exited while waiting for ${what}: ${fatal.join(' | ')} ${tail.slice(-800)}`)); });
      });
    },
    onAccount(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async sample(gc = false) {
      const m = await request({ type: 'sample', id: nextId++, gc });
      if (m.type !== 'sample') throw new Error(`${config.side}: no resource sample (${m.type === 'reply' ? m.error : m.type})`);
      return m.sample;
    },
    async call(op, req = {}) {
      const m = await request({ type: 'call', id: nextId++, op, request: req });
      if (m.type !== 'reply' || !m.ok) throw new Error(`${config.side} ${op}: ${m.type === 'reply' ? m.error : m.type}`);
      return m.result;
    },
    link(accountId) {
      if (alive() && child.connected) child.send({ type: 'link', accountId } satisfies ParentMessage);
    },
    async stop(timeoutMs = 15_000) {
      if (!alive()) return;
      if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    alive,
    output: () => tail,
  };
  return proc;
}
