// Drives the built `clawline` CLI as a user would: `node bin/clawline.js --state-dir DIR ...`
// in child processes, against the simulator (CLAWLINE_WA_URL/CLAWLINE_WA_CA in the env).
// Every long-running child is tracked so an after hook can kill whatever is left.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Simulator } from '../../sim/index.ts';
import { pidAlive, readEndpoint } from '../../main/control/discovery.ts';
import { ensureBuilt } from '../support/build-once.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** bin/clawline.js runs dist/main/cli.js: built by `npm test`, or here when missing or stale. */
export const buildCli = ensureBuilt;

export interface CliResult { code: number; stdout: string; stderr: string }

/** The environment a user in simulator mode has; never the caller's OPENCLAW_STATE_DIR. */
export function simEnv(sim: Simulator | undefined, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(sim ? { CLAWLINE_WA_URL: sim.url, CLAWLINE_WA_CA: sim.ca } : {}), ...extra };
  delete env.OPENCLAW_STATE_DIR;
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** Runs one command to its end (stdin is not a terminal); stateDir null: no --state-dir given. */
export function clawline(stateDir: string | null, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/clawline.js', ...(stateDir === null ? [] : ['--state-dir', stateDir]), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: stderr + (signal ? `\n[killed by ${signal}]` : '') });
    });
  });
}

/** A command that keeps running (gateway run, channels login, logs --follow). */
export class LiveCommand {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();

  constructor(stateDir: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, ['bin/clawline.js', '--state-dir', stateDir, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this);
    let partial = '';
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      partial += d;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      this.lines.push(...parts);
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr += d; this.notify(); });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        live.delete(this);
        if (partial) this.lines.push(partial);
        resolve(code ?? (signal ? 128 : 1));
        this.notify();
      });
    });
  }

  get pid(): number { return this.child.pid!; }
  get running(): boolean { return this.child.exitCode === null && this.child.signalCode === null; }

  private notify(): void { for (const w of [...this.waiters]) w(); }

  /** Resolves with the first stdout line matching `match`; fails with the output so far. */
  waitForLine(match: (line: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.lines.find(match);
        if (hit !== undefined) { done(); resolve(hit); return; }
        if (!this.running) { done(); reject(new Error(`the command ended before ${what}; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`)); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${what}; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`)); }, timeoutMs);
      const done = () => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }

  /** The parsed JSON lines printed so far. */
  json<T = Record<string, unknown>>(): T[] {
    return this.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as T);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

const live = new Set<LiveCommand>();

/** For after hooks: every live command, and any gateway `gateway start` left behind in these state dirs. */
export async function killEverything(stateDirs: string[]): Promise<void> {
  await Promise.all([...live].map((c) => c.kill()));
  for (const dir of stateDirs) {
    const endpoint = await readEndpoint(dir);
    if (endpoint && endpoint.pid !== process.pid && pidAlive(endpoint.pid)) {
      process.kill(endpoint.pid, 'SIGKILL');
    }
  }
}

/** A fresh state dir whose control server takes any free port (suites run side by side). */
export async function tempStateDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(dir, 'openclaw.json'), '{ clawline: { control: { port: 0 } } }\n', { mode: 0o600 });
  return dir;
}

export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

/** Starts `gateway run` in the foreground and waits until it answers. */
export async function runGateway(stateDir: string, env: NodeJS.ProcessEnv): Promise<LiveCommand> {
  const gw = new LiveCommand(stateDir, ['gateway', 'run', '--quiet'], env);
  try {
    await gw.waitForLine((l) => l.startsWith('Clawline gateway running'), 'the gateway to start', 90_000);
  } catch (err) {
    await gw.kill();
    throw err;
  }
  return gw;
}

export const parseJson = <T = Record<string, unknown>>(r: CliResult): T => {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
};
