// A whole Clawline gateway (config, store, connections, pipeline, agent, control server) on
// the simulator, with short timings. Reused by the CLI, browser and pipeline end-to-end suites.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../sim/index.ts';
import { Gateway, type GatewayOptions } from '../../main/gateway.ts';
import type { AccountStatus, GatewaySummary } from '../../main/control/contract.ts';
import { FAST, decodeQrDataUrl } from '../connection/sim-helpers.ts';

export { FAST, decodeQrDataUrl };

interface TestContext { after(fn: () => Promise<void> | void): void }

export interface GatewayHarness {
  sim: Simulator;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  gateway: Gateway;
  /** Starts another gateway on the same state dir (after stopping the first: a restart). */
  restart(over?: Partial<GatewayOptions>): Promise<Gateway>;
  waitAccount(predicate: (a: AccountStatus) => boolean, accountId?: string, timeoutMs?: number): Promise<AccountStatus>;
  /** Links the default account by scanning the rendered QR, waits until connected and ready. */
  link(phone?: string): Promise<AccountStatus>;
}

export async function gatewayHarness(t: TestContext, opts: { config?: string; sim?: SimulatorOptions; gateway?: Partial<GatewayOptions> } = {}): Promise<GatewayHarness> {
  const sim = await startSimulator({ quiet: true, ...opts.sim });
  const stateDir = await mkdtemp(join(tmpdir(), 'clw-gw-'));
  if (opts.config !== undefined) await writeFile(join(stateDir, 'openclaw.json'), opts.config, { mode: 0o600 });
  const env = { ...process.env, CLAWLINE_WA_URL: sim.url, CLAWLINE_WA_CA: sim.ca };
  const options = (over: Partial<GatewayOptions> = {}): GatewayOptions => ({
    stateDir, kind: 'headless', env, logLevel: 'warn', control: { port: 0 },
    timings: FAST, pipeline: { minSendIntervalMs: 0, sendBackoffMs: 50 }, ...opts.gateway, ...over,
  });
  const h: GatewayHarness = {
    sim, stateDir, env,
    gateway: await Gateway.start(options()),
    async restart(over) {
      await h.gateway.stop();
      h.gateway = await Gateway.start(options(over));
      return h.gateway;
    },
    waitAccount(predicate, accountId = 'default', timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        let done = false;
        const check = (s: GatewaySummary) => {
          const a = s.accounts.find((x) => x.accountId === accountId);
          if (!done && a && predicate(a)) { done = true; clearTimeout(timer); off(); resolve(a); }
        };
        const timer = setTimeout(() => {
          done = true; off();
          void h.gateway.summary().then((s) => reject(new Error(`account ${accountId} did not reach the expected state in ${timeoutMs} ms; now ${JSON.stringify(s.accounts.find((x) => x.accountId === accountId))}`)));
        }, timeoutMs);
        const off = h.gateway.subscribe((event, payload) => { if (event === 'status') check(payload as GatewaySummary); });
        void h.gateway.summary().then(check);
      });
    },
    async link(phone) {
      await h.gateway.handle('link.start', { accountId: 'default', method: 'qr' });
      const showing = await h.waitAccount((a) => Boolean(a.linking?.qrDataUrl));
      const result = await sim.phone.scan(decodeQrDataUrl(showing.linking!.qrDataUrl!), phone ? { phone } : {});
      assert.equal(result.outcome, 'linked', result.error);
      const connected = await h.waitAccount((a) => a.state === 'connected');
      await sim.waitForReady(result.device);
      return connected;
    },
  };
  t.after(async () => {
    await h.gateway.stop();
    await sim.close();
    await rm(stateDir, { recursive: true, force: true });
  });
  return h;
}
