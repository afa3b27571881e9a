// `clawline dashboard [--no-open] [--json]`: the same window as the tray app, in a browser.
import { spawn } from 'node:child_process';
import { ExitCode, parseCommand, UsageError, type CliContext } from '../context.ts';
import { connectToRunningGateway } from '../../control/client.ts';
import { readEndpoint, readToken } from '../../control/discovery.ts';

export const summary = 'open the Clawline window in your browser (--no-open: only print the URL)';

const USAGE = `usage: clawline dashboard [--no-open] [--json]
  Opens the running gateway's window in your browser; the URL carries the access token.
  --no-open   only print the URL
  --json      print {"url": "..."}
  Exit 3 when the gateway is not running.`;

export function openInBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => {});
  child.unref();
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { positional, flags } = parseCommand(args, { switches: { 'no-open': undefined, json: undefined }, usage: USAGE });
  if (flags.help) { ctx.out(USAGE); return ExitCode.ok; }
  if (positional.length) throw new UsageError(`unexpected "${positional[0]}"\n${USAGE}`);
  const client = await connectToRunningGateway(ctx.stateDir);
  const endpoint = await readEndpoint(ctx.stateDir);
  const token = await readToken(ctx.stateDir);
  if (!client || !endpoint || !token) {
    ctx.err('The Clawline gateway is not running, so there is no dashboard to open.');
    ctx.err('Start it with: clawline gateway start');
    return ExitCode.gatewayNotRunning;
  }
  const url = `${endpoint.url}/#token=${token}`;
  if (flags.json) ctx.out(JSON.stringify({ url }));
  else ctx.out(url);
  if (!flags['no-open']) openInBrowser(url);
  return ExitCode.ok;
}
