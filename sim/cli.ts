// `npm run sim`: starts the simulator and prints one JSON line on stdout,
//   {"url": "ws://127.0.0.1:P/ws/chat", "ca": "/tmp/.../ca.pem", "control": "http://127.0.0.1:Q", ...}
// then runs until SIGINT/SIGTERM or POST /shutdown. Logs go to stderr. Flags: --help.
import { parseArgs } from 'node:util';
import { startSimulator } from './index.ts';

const USAGE = `usage: npm run sim -- [options]
  --quiet                 no per-stanza logging
  --port N                chat WebSocket port (default random)
  --control-port N        control API port (default random)
  --media-port N          media host port (default random)
  --token T | --no-token  control API Bearer token (default: a random one, printed)
  --wss                   serve the chat socket over TLS (wss://) with the simulator CA
  --refs N                QR refs per linking attempt (default 6)
  --ref-ttl FIRST,NEXT    ms each ref stays valid (default 60000,20000)
  --privacy-tokens        AB prop 10518 on (clients attach tctokens to 1:1 sends)
  --no-bootstrap          the phone does not send app-state key / history after linking
  --data-dir DIR          where ca.pem etc. go (default: a temp dir removed on exit)`;

function fail(message: string): never {
  process.stderr.write(`sim: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} needs a whole number, got "${v}"`);
  return n;
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      help: { type: 'boolean' },
      quiet: { type: 'boolean' },
      port: { type: 'string' },
      'control-port': { type: 'string' },
      'media-port': { type: 'string' },
      token: { type: 'string' },
      'no-token': { type: 'boolean' },
      wss: { type: 'boolean' },
      refs: { type: 'string' },
      'ref-ttl': { type: 'string' },
      'privacy-tokens': { type: 'boolean' },
      'no-bootstrap': { type: 'boolean' },
      'data-dir': { type: 'string' },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  process.stdout.write(USAGE + '\n');
  process.exit(0);
}
let refTtlMs: [number, number] | undefined;
if (typeof values['ref-ttl'] === 'string') {
  const parts = values['ref-ttl'].split(',').map((x) => int('ref-ttl', x.trim()));
  if (parts.length !== 2) fail('--ref-ttl takes two numbers: FIRST,NEXT');
  refTtlMs = [parts[0]!, parts[1]!];
}
const refs = int('refs', values.refs as string | undefined);

const sim = await startSimulator({
  quiet: !!values.quiet,
  port: int('port', values.port as string | undefined),
  controlPort: int('control-port', values['control-port'] as string | undefined),
  mediaPort: int('media-port', values['media-port'] as string | undefined),
  token: values['no-token'] ? false : typeof values.token === 'string' ? values.token : true,
  secureWebSocket: !!values.wss,
  privacyTokens: !!values['privacy-tokens'],
  phoneBootstrap: !values['no-bootstrap'],
  ...(typeof values['data-dir'] === 'string' ? { dataDir: values['data-dir'] } : {}),
  ...(refs !== undefined || refTtlMs ? { linking: { ...(refs !== undefined ? { refs } : {}), ...(refTtlMs ? { refTtlMs } : {}) } } : {}),
});

process.stdout.write(
  JSON.stringify({
    url: sim.url,
    ca: sim.ca,
    control: sim.control,
    token: sim.token ?? null,
    media: sim.media,
    caBundle: sim.caBundle,
    pid: process.pid,
  }) + '\n',
);

// stdout carries exactly one JSON line for the tools that start us: anything printed later
// (libsignal logs sessions with console.log) goes to stderr with the rest of the logs.
console.log = console.info = (...args: unknown[]) => console.error(...args);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void sim.close();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
await sim.whenClosed;
process.exit(0);
