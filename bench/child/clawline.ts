// Benchmark child, Clawline side: the whole gateway (config, credential store, connections,
// journal, pipeline, built-in agent) exactly as `clawline gateway run` builds it, minus the
// control server. The parent writes openclaw.json; this process reports each account's state.
import { installFsMeter } from './fs-meter.ts';
import { childConfig, send, serveParent, uptimeMs } from './common.ts';
import type { AccountState } from './protocol.ts';

await installFsMeter();
const config = childConfig();
const importStart = performance.now();
const { Gateway } = await import('../../main/gateway.ts');
send({ type: 'ready', importMs: Math.round(performance.now() - importStart), uptimeMs: uptimeMs() });

// Short timings for the reliability suites (the reconnect policy itself comes from openclaw.json).
const FAST_TIMINGS = { keepAliveIntervalMs: 1_000, livenessWindowMs: 4_000, heartbeatMs: 1_000, connectTimeoutMs: 8_000, sendWaitMs: 20_000 };

const gateway = await Gateway.start({
  stateDir: config.stateDir,
  kind: 'headless',
  env: { ...process.env, CLAWLINE_WA_URL: config.simUrl, CLAWLINE_WA_CA: config.simCa },
  // CLAWLINE_BENCH_LOG_LEVEL=debug keeps Baileys' own debug lines in the state dir's log (investigations).
  logLevel: (process.env.CLAWLINE_BENCH_LOG_LEVEL as 'debug' | undefined) ?? 'warn',
  control: config.control ? { port: 0 } : false,
  connect: config.connect !== false,
  pipeline: { minSendIntervalMs: 0 },
  ...(config.fastTimings ? { timings: FAST_TIMINGS } : {}),
});

send({ type: 'gateway', controlUrl: gateway.controlUrl });
let configEvents = 0;
gateway.subscribe((event) => { if (event === 'config') configEvents++; });

const last = new Map<string, string>();
type Status = ReturnType<typeof gateway.connections.statuses>[number];
// Straight from the connection layer: every change, in order, at the moment it happens (the
// gateway's 'status' events carry async summaries that can skip a short-lived state).
const report = (accounts: Status[]) => {
  for (const a of accounts) {
    const qr = a.linking?.qr;
    const state: AccountState =
      qr && a.state === 'linking' ? 'qr'
        : a.state === 'connected' ? 'connected'
          : a.state === 'connecting' ? 'connecting'
            : a.state === 'reconnecting' ? 'reconnecting'
              : 'other';
    const key = `${state}|${qr ?? ''}|${a.nextRetryAt ?? ''}`;
    if (last.get(a.accountId) === key) continue;
    last.set(a.accountId, key);
    send({
      type: 'account', accountId: a.accountId, state, at: Date.now(), uptimeMs: uptimeMs(),
      ...(qr && state === 'qr' ? { qr } : {}),
      ...(state === 'other' || state === 'reconnecting' ? { detail: `${a.state}${a.cause ? `: ${a.cause}` : ''}${a.lastDisconnect ? ` (last close ${a.lastDisconnect.code ?? ''} ${a.lastDisconnect.reason} at ${a.lastDisconnect.at})` : ''}` } : {}),
      ...(a.nextRetryAt !== undefined && state === 'reconnecting' ? { nextRetryAt: a.nextRetryAt, attempt: a.reconnectAttempts, closedAt: a.lastDisconnect?.at } : {}),
    });
  }
};
gateway.connections.on('status', (s) => report([s]));
report(gateway.connections.statuses());

serveParent({
  async link(accountId) {
    await gateway.handle('link.start', { accountId, method: 'qr' });
  },
  async call(op, request) {
    // Harness-only questions ("$..."); everything else is a control operation of the gateway.
    if (op === '$configEvents') return configEvents;
    if (op === '$polluted') return ['dmPolicy', 'allowFrom', 'polluted'].some((k) => k in Object.prototype);
    if (op === '$checkConfig') {
      const { checkConfig } = await import('../../main/config/index.ts');
      return checkConfig((request as { path: string }).path);
    }
    return gateway.handle(op as never, request as never);
  },
  stop: () => gateway.stop(),
});
