// `clawline gateway run | start | stop | restart | status | install`
// run: the gateway in the foreground (what systemd/launchd and `start` execute).
// start/stop/restart: a background process on a headless machine, or ask the tray app.
import { spawn } from 'node:child_process';
import { existsSync, openSync, mkdirSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { ExitCode, parseCommand, UsageError, type CliContext } from '../context.ts';
import { connectToRunningGateway } from '../../control/client.ts';
import { pidAlive, readEndpoint, removeEndpoint, type GatewayEndpoint } from '../../control/discovery.ts';
import { installService } from '../service.ts';
import { isLevelSetting, type LevelSetting } from '../../logs/index.ts';
import { gatewayOptionsFromEnv } from '../gateway-port.ts';

export const summary = 'run, start, stop, restart or check the gateway; install it as a user service';

const USAGE = `usage: clawline gateway <run|start|stop|restart|status|install> [options]
  run       run in the foreground until Ctrl+C or SIGTERM (what a service manager runs)
              --port N         control port on 127.0.0.1 (default: clawline.control.port, 18781)
              --log-level L    trace, debug, info, warn, error, fatal or silent (default info)
              --quiet          do not print log lines to the terminal
  start     run it in the background; returns once it answers (--port, --log-level as for run)
  stop      stop the background gateway (the tray app: stop its WhatsApp connections)
  restart   stop, then start (--port, --log-level as for start)
  status    is it running? (--json) exit 0 running, 3 not running
  install   write a user service (systemd on Linux, launchd on macOS) and print how to enable it`;

const cliPath = () => resolve(process.argv[1] ?? 'bin/clawline.js');
const rendererDir = () => join(dirname(cliPath()), '..', 'dist', 'renderer');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describe = (e: GatewayEndpoint | undefined) => (e?.kind === 'desktop' ? 'the tray app' : 'headless');

interface RunFlags { port?: number; logLevel: LevelSetting }

function runFlags(flags: Record<string, string | true>): RunFlags {
  const level = typeof flags['log-level'] === 'string' ? flags['log-level'] : 'info';
  if (!isLevelSetting(level)) throw new UsageError(`--log-level must be one of trace, debug, info, warn, error, fatal, silent (got "${level}")`);
  const port = typeof flags.port === 'string' ? Number(flags.port) : undefined;
  if (port !== undefined && (!/^\d+$/.test(String(flags.port)) || port > 65535)) throw new UsageError(`--port must be a port number from 0 to 65535 (got "${flags.port}")`);
  return { port, logLevel: level };
}

/** The arguments `start` passes on to the `gateway run` it spawns. */
function runArgs(f: RunFlags): string[] {
  return [...(f.port !== undefined ? ['--port', String(f.port)] : []), ...(f.logLevel !== 'info' ? ['--log-level', f.logLevel] : [])];
}

/**
 * One `gateway run` per state dir. gateway.json finds a gateway that is up; this lock also
 * catches two that start at the same moment (before either has written gateway.json), so the
 * second never takes the WhatsApp session from the first. A crashed holder's lock goes stale.
 */
async function acquireRunLock(ctx: CliContext): Promise<(() => Promise<void>) | { running?: GatewayEndpoint }> {
  const target = join(ctx.paths.clawline, 'gateway-run');
  mkdirSync(ctx.paths.clawline, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await lockfile.lock(target, { realpath: false, lockfilePath: `${target}.lock`, stale: 10_000, onCompromised: () => {} });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    }
    if (await connectToRunningGateway(ctx.stateDir)) return { running: await readEndpoint(ctx.stateDir) };
    // Held but nobody answers yet: the holder is starting up, or crashed and its lock goes stale.
    if (Date.now() > deadline) return {};
    await sleep(500);
  }
}

function alreadyRunning(ctx: CliContext, endpoint: GatewayEndpoint | undefined): number {
  ctx.err(`Clawline is already running for ${ctx.stateDir}${endpoint ? ` (pid ${endpoint.pid}, ${describe(endpoint)})` : ''}. Not starting a second one: two would take the WhatsApp session from each other.`);
  ctx.err('See it with "clawline gateway status"; stop it with "clawline gateway stop".');
  return ExitCode.problem;
}

async function runForeground(flags: Record<string, string | true>, ctx: CliContext): Promise<number> {
  const f = runFlags(flags);
  if (await connectToRunningGateway(ctx.stateDir)) return alreadyRunning(ctx, await readEndpoint(ctx.stateDir));
  const lock = await acquireRunLock(ctx);
  if (typeof lock !== 'function') {
    if (lock.running) return alreadyRunning(ctx, lock.running);
    ctx.err(`Another "clawline gateway run" holds ${join(ctx.paths.clawline, 'gateway-run.lock')} but does not answer. If no Clawline process is running, wait 10 s and try again.`);
    return ExitCode.problem;
  }
  // Signals that arrive while starting are honoured once the gateway is up (never half-started).
  let signalled: string | undefined;
  let onSignal: (signal: string) => void = (signal) => { signalled ??= signal; };
  const handler = (signal: NodeJS.Signals) => onSignal(signal);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  try {
    const fromEnv = await gatewayOptionsFromEnv(ctx.env);
    const { startGateway } = await import('../../gateway.ts');
    let gateway: Awaited<ReturnType<typeof startGateway>>;
    try {
      gateway = await startGateway({
        stateDir: ctx.stateDir,
        kind: 'headless',
        console: !flags.quiet,
        logLevel: f.logLevel,
        ...fromEnv,
        control: flags['no-control'] ? false : { port: f.port, rendererDir: existsSync(rendererDir()) ? rendererDir() : undefined },
      });
    } catch (err) {
      const e = err as { message?: string; nextStep?: string };
      ctx.err(`The gateway could not start: ${e.message ?? String(err)}`);
      if (e.nextStep) ctx.err(`Next: ${e.nextStep}`);
      return ExitCode.problem;
    }
    if (gateway.controlUrl) ctx.out(`Clawline gateway running (pid ${process.pid}). Dashboard: clawline dashboard   (control: ${gateway.controlUrl})`);
    const stopError = await new Promise<unknown>((resolveStop) => {
      let stopping = false;
      onSignal = (signal) => {
        if (stopping) return;
        stopping = true;
        ctx.out(`Stopping (${signal})...`);
        gateway.stop().then(() => resolveStop(undefined), resolveStop);
      };
      if (signalled) onSignal(signalled);
    });
    // A stop that failed half-way must not leave gateway.json pointing at this dead process.
    await removeEndpoint(ctx.stateDir).catch(() => {});
    if (stopError !== undefined) {
      ctx.err(`The gateway stopped with an error: ${(stopError as Error)?.stack ?? String(stopError)}`);
      return ExitCode.problem;
    }
    ctx.out('Clawline gateway stopped.');
    return ExitCode.ok;
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    await lock().catch(() => {});
  }
}

async function lastLines(file: string, n: number): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-n).filter(Boolean);
}

async function startBackground(flags: Record<string, string | true>, ctx: CliContext): Promise<number> {
  const f = runFlags(flags);
  if (await connectToRunningGateway(ctx.stateDir)) {
    const endpoint = await readEndpoint(ctx.stateDir);
    ctx.out(`Clawline is already running (pid ${endpoint?.pid}, ${describe(endpoint)}).`);
    return ExitCode.ok;
  }
  const logs = ctx.paths.logs;
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  const outFile = join(logs, 'gateway.out.log');
  const out = openSync(outFile, 'a', 0o600);
  const child = spawn(process.execPath, [cliPath(), '--state-dir', ctx.stateDir, 'gateway', 'run', '--quiet', ...runArgs(f)], { detached: true, stdio: ['ignore', out, out], env: ctx.env });
  closeSync(out);
  let exited = null as number | null;
  child.on('exit', (code) => { exited = code ?? 1; });
  child.unref();
  for (let i = 0; i < 150 && exited === null; i++) {
    const client = await connectToRunningGateway(ctx.stateDir);
    const endpoint = client ? await readEndpoint(ctx.stateDir) : undefined;
    if (endpoint && endpoint.pid === child.pid) {
      ctx.out(`Clawline gateway started in the background (pid ${child.pid}), control ${endpoint.url}. Open the dashboard with: clawline dashboard`);
      return ExitCode.ok;
    }
    await sleep(200);
  }
  if (exited === null) child.kill('SIGTERM');
  ctx.err(exited === null ? 'The gateway did not answer within 30 s; it was stopped.' : `The gateway exited right away (exit code ${exited}):`);
  for (const line of await lastLines(outFile, 5)) ctx.err(`  ${line}`);
  ctx.err(`Its output is in ${outFile}. Run "clawline gateway run" to see it directly, or "clawline doctor".`);
  return ExitCode.problem;
}

async function stopRunning(ctx: CliContext): Promise<number> {
  const client = await connectToRunningGateway(ctx.stateDir);
  const endpoint = await readEndpoint(ctx.stateDir);
  if (!client || !endpoint) {
    ctx.err('The Clawline gateway is not running. Nothing to stop.');
    ctx.err('Start it with: clawline gateway start');
    return ExitCode.gatewayNotRunning;
  }
  if (endpoint.kind === 'desktop') {
    await client.call('gateway.stop', {});
    ctx.out('Asked the Clawline tray app to stop its WhatsApp connections (the app stays open; Quit it from the tray menu).');
    return ExitCode.ok;
  }
  process.kill(endpoint.pid, 'SIGTERM');
  for (let i = 0; i < 150 && pidAlive(endpoint.pid); i++) await sleep(100);
  if (pidAlive(endpoint.pid)) {
    ctx.err(`The gateway (pid ${endpoint.pid}) did not stop within 15 s. Stop it with: kill ${endpoint.pid}`);
    return ExitCode.problem;
  }
  // It removes gateway.json itself; this covers a stop that failed half-way.
  await removeEndpoint(ctx.stateDir, endpoint.pid).catch(() => {});
  ctx.out(`Clawline gateway stopped (pid ${endpoint.pid}).`);
  return ExitCode.ok;
}

async function status(flags: Record<string, string | true>, ctx: CliContext): Promise<number> {
  const client = await connectToRunningGateway(ctx.stateDir);
  const endpoint = await readEndpoint(ctx.stateDir);
  if (!client || !endpoint) {
    if (flags.json) {
      ctx.out(JSON.stringify({ running: false }));
      ctx.err('The Clawline gateway is not running. Start it with: clawline gateway start');
    } else {
      ctx.out('Gateway: not running.');
      ctx.out('Start it with: clawline gateway start   (or open the Clawline app)');
    }
    return ExitCode.gatewayNotRunning;
  }
  const s = await client.call('status.get', {});
  if (flags.json) {
    ctx.out(JSON.stringify({ running: true, pid: endpoint.pid, kind: endpoint.kind, url: endpoint.url, connections: s.running, version: s.version, waWebVersion: s.waWebVersion ?? null, accounts: s.accounts.map((a) => ({ accountId: a.accountId, state: a.state })) }));
  } else {
    ctx.out(`Gateway: running (pid ${endpoint.pid}, ${endpoint.kind === 'desktop' ? 'tray app' : 'headless'}), control ${endpoint.url}`);
    if (!s.running) ctx.out(`WhatsApp connections: stopped. Start them with: ${endpoint.kind === 'desktop' ? 'Start in the tray menu' : 'clawline gateway restart'}`);
    for (const a of s.accounts) ctx.out(`  ${a.accountId}: ${a.state}${a.cause ? ` — ${a.cause}` : ''}`);
  }
  return ExitCode.ok;
}

async function restart(flags: Record<string, string | true>, ctx: CliContext): Promise<number> {
  runFlags(flags);
  const endpoint = await readEndpoint(ctx.stateDir);
  const client = await connectToRunningGateway(ctx.stateDir);
  if (client && endpoint?.kind === 'desktop') {
    await client.call('gateway.restart', {});
    ctx.out('The Clawline tray app restarted its WhatsApp connections.');
    return ExitCode.ok;
  }
  if (client) {
    const stopped = await stopRunning(ctx);
    if (stopped !== ExitCode.ok) return stopped;
  }
  return startBackground(flags, ctx);
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { positional, flags } = parseCommand(args, { switches: { json: undefined, quiet: undefined, 'no-control': undefined }, values: ['port', 'log-level'], usage: USAGE });
  if (flags.help) { ctx.out(USAGE); return ExitCode.ok; }
  const [sub, ...extra] = positional;
  if (extra.length) throw new UsageError(`unexpected "${extra[0]}"\n${USAGE}`);
  const allowed: Record<string, string[]> = { run: ['port', 'log-level', 'quiet', 'no-control'], start: ['port', 'log-level'], restart: ['port', 'log-level'], stop: [], status: ['json'], install: [] };
  if (!sub || !allowed[sub]) throw new UsageError(`${sub ? `unknown subcommand "${sub}"` : 'which one?'}\n${USAGE}`);
  const misplaced = Object.keys(flags).find((f) => !allowed[sub]!.includes(f));
  if (misplaced) throw new UsageError(`gateway ${sub} does not take --${misplaced}\n${USAGE}`);
  switch (sub) {
    case 'run': return runForeground(flags, ctx);
    case 'start': return startBackground(flags, ctx);
    case 'stop': return stopRunning(ctx);
    case 'restart': return restart(flags, ctx);
    case 'status': return status(flags, ctx);
    default: {
      let installed;
      try {
        installed = await installService({ nodePath: process.execPath, cliPath: cliPath(), stateDir: ctx.stateDir, env: ctx.env.CLAWLINE_KEY_FILE ? { CLAWLINE_KEY_FILE: resolve(ctx.env.CLAWLINE_KEY_FILE) } : {} });
      } catch (err) {
        ctx.err((err as Error).message);
        return ExitCode.problem;
      }
      ctx.out(`Wrote ${installed.path}. To enable it now and at every boot, run:`);
      for (const c of installed.enableCommands) ctx.out(`  ${c}`);
      return ExitCode.ok;
    }
  }
}
