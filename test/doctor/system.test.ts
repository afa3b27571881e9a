// Doctor checks on the machine and the running processes: runtime, disk, network reach,
// clock, OpenClaw's gateway on its port, a second Clawline holding the lock, the gateway itself
// and how long an account has been offline. The network is always a fake or loopback.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireAccountLock } from '../../main/connection/index.ts';
import { realNetProbes, runDoctor, type NetProbes } from '../../main/doctor/index.ts';
import { FakeClock } from '../../main/shared/clock.ts';
import { account, find, linkedCredsText, offlineNet, runningGateway, stoppedGateway, tempState, testContext, writeAccount } from './helpers.ts';

const DAY = 86_400_000;

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A port nothing listens on: bind one, note it, release it. */
async function closedPort(): Promise<number> {
  const { server, port } = await listen();
  await close(server);
  return port;
}

test('Bun is detected from the runtime versions, and so is an old Node', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  let c = find((await runDoctor(testContext(s.dir, { versions: { node: '22.3.0', bun: '1.1.8' } }))).checks, 'runtime');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /Bun 1\.1\.8.*does not work on Bun/);
  c = find((await runDoctor(testContext(s.dir, { versions: { node: '18.19.0' } }))).checks, 'runtime');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /18\.19\.0 is too old/);
  c = find((await runDoctor(testContext(s.dir, { versions: { node: '20.11.1' } }))).checks, 'runtime');
  assert.equal(c.status, 'ok');
});

test('disk space: warn under 500 MB, fail under 50 MB, measured on the state dir', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const asked: string[] = [];
  const free = (bytes: number) => async (path: string) => { asked.push(path); return bytes; };
  assert.equal(find((await runDoctor(testContext(s.dir, { freeBytes: free(400 * 1024 ** 2) }))).checks, 'disk-space').status, 'warn');
  const c = find((await runDoctor(testContext(s.dir, { freeBytes: free(20 * 1024 ** 2) }))).checks, 'disk-space');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /Only 20 MB free/);
  assert.equal(find((await runDoctor(testContext(s.dir, { freeBytes: free(2 * 1024 ** 3) }))).checks, 'disk-space').status, 'ok');
  assert.ok(asked.every((p) => p === s.dir));
  // The real statfs works on a real folder.
  assert.notEqual(find((await runDoctor(testContext(s.dir, { freeBytes: undefined }))).checks, 'disk-space').status, 'skipped');
});

test('offline: reachability and clock are skipped with a note, and nothing fails', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const { checks } = await runDoctor(testContext(s.dir, { net: offlineNet() }));
  const reach = find(checks, 'wa-reachable');
  assert.equal(reach.status, 'skipped');
  assert.match(reach.finding, /seems to be offline/);
  const clock = find(checks, 'clock-skew');
  assert.equal(clock.status, 'skipped');
  assert.match(clock.finding, /offline, so the clock was not compared/);
});

test('WhatsApp resolving but blocked fails with the stage that failed', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const net: NetProbes = { ...offlineNet(), dnsTls: async () => ({ ok: false, stage: 'connect', error: 'ECONNREFUSED' }) };
  const c = find((await runDoctor(testContext(s.dir, { net }))).checks, 'wa-reachable');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /TCP connection to port 443 failed \(ECONNREFUSED\).*firewall/);
  const ok: NetProbes = { ...offlineNet(), dnsTls: async () => ({ ok: true, address: '157.240.0.53' }) };
  assert.equal(find((await runDoctor(testContext(s.dir, { net: ok }))).checks, 'wa-reachable').status, 'ok');
});

test('simulator mode never contacts the internet: it probes the simulator URL instead', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const sim = await listen();
  t.after(() => close(sim.server));
  const calls: string[] = [];
  const env = { CLAWLINE_WA_URL: `ws://127.0.0.1:${sim.port}/ws/chat` };
  const { checks } = await runDoctor(testContext(s.dir, { env, net: { ...realNetProbes, httpDate: offlineNet(calls).httpDate, dnsTls: offlineNet(calls).dnsTls }, openclawPort: await closedPort() }));
  assert.deepEqual(calls, [], 'no DNS, TLS or HTTP request to WhatsApp');
  const reach = find(checks, 'wa-reachable');
  assert.equal(reach.status, 'ok');
  assert.match(reach.finding, /Simulator mode.*answers/);
  const clock = find(checks, 'clock-skew');
  assert.equal(clock.status, 'skipped');
  assert.match(clock.finding, /Simulator mode \(CLAWLINE_WA_URL is set\)/);

  const down = await closedPort();
  const c = find((await runDoctor(testContext(s.dir, { env: { CLAWLINE_WA_URL: `ws://127.0.0.1:${down}/ws/chat` }, net: realNetProbes, openclawPort: await closedPort() }))).checks, 'wa-reachable');
  assert.equal(c.status, 'fail');
  assert.match(c.nextStep ?? '', /npm run sim/);
});

test('clock skew against WhatsApp\'s Date header: ok, warn, fail', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const clock = new FakeClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  const withServerTime = (offsetMs: number): NetProbes => ({ ...offlineNet(), httpDate: async () => clock.now() + offsetMs });
  let c = find((await runDoctor(testContext(s.dir, { clock, net: withServerTime(20_000) }))).checks, 'clock-skew');
  assert.equal(c.status, 'ok');
  c = find((await runDoctor(testContext(s.dir, { clock, net: withServerTime(-3 * 60_000) }))).checks, 'clock-skew');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /3 min ahead of WhatsApp's servers/);
  c = find((await runDoctor(testContext(s.dir, { clock, net: withServerTime(2 * 3_600_000) }))).checks, 'clock-skew');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /120 min behind/);
  assert.match(c.nextStep ?? '', /automatic date and time/);
});

test('a running OpenClaw gateway (a listener on its port) is reported; the port comes from the context, env or config', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const openclaw = await listen();
  t.after(() => close(openclaw.server));
  let c = find((await runDoctor(testContext(s.dir, { net: realNetProbes, openclawPort: openclaw.port }))).checks, 'openclaw-gateway');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, new RegExp(`127\\.0\\.0\\.1:${openclaw.port}.*error 440`));
  assert.match(c.nextStep ?? '', /openclaw gateway stop/);

  // With an account in conflict the same listener is a failure.
  c = find((await runDoctor(testContext(s.dir, { net: realNetProbes, openclawPort: openclaw.port, gateway: runningGateway([account({ state: 'conflict' })]) }))).checks, 'openclaw-gateway');
  assert.equal(c.status, 'fail');

  const probed: number[] = [];
  const net: NetProbes = { ...offlineNet(), tcpProbe: async (_h, port) => { probed.push(port); return false; } };
  c = find((await runDoctor(testContext(s.dir, { net, env: { OPENCLAW_GATEWAY_PORT: '19999' } }))).checks, 'openclaw-gateway');
  assert.equal(c.status, 'ok');
  await import('node:fs/promises').then((fs) => fs.writeFile(s.paths.config, '{ gateway: { port: 18900 } }\n', { mode: 0o600 }));
  await runDoctor(testContext(s.dir, { net }));
  assert.deepEqual(probed, [19999, 18900]);
});

test('a second Clawline holding the account lock is a conflict; the gateway\'s own lock is not', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const lock = await acquireAccountLock(s.dir, 'default');
  t.after(() => lock.release());
  // Held by a live process (this one) while the gateway that answers is another process.
  let c = find((await runDoctor(testContext(s.dir, { gateway: runningGateway([account()], { pid: 999_999 }) }))).checks, 'instance-lock');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, new RegExp(`another Clawline process \\(pid ${process.pid}.*runs account "default" besides the gateway \\(pid 999999\\)`));
  // No gateway answers but a live process holds it.
  c = find((await runDoctor(testContext(s.dir, { gateway: stoppedGateway }))).checks, 'instance-lock');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /holds account "default" but no gateway answers/);
  // The gateway itself holds it: fine.
  c = find((await runDoctor(testContext(s.dir, { gateway: runningGateway([account()], { pid: process.pid }) }))).checks, 'instance-lock');
  assert.equal(c.status, 'ok');
  // A held lock is not stale and must never be offered for removal.
  assert.equal(find((await runDoctor(testContext(s.dir))).checks, 'stale-lock').status, 'ok');
});

test('the gateway check: not running is a warning with "clawline gateway start"', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  let c = find((await runDoctor(testContext(s.dir, { gateway: { probe: async () => ({ running: false, note: 'a gateway (pid 5) ran here before and did not shut down cleanly' }) } }))).checks, 'gateway');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /no active listener/);
  assert.match(c.finding, /did not shut down cleanly/);
  assert.match(c.nextStep ?? '', /clawline gateway start/);
  c = find((await runDoctor(testContext(s.dir, { gateway: runningGateway([account()], { pid: 321 }) }))).checks, 'gateway');
  assert.equal(c.status, 'ok');
  assert.match(c.finding, /running \(pid 321/);
});

test('offline for more than 12 days warns before WhatsApp drops the link; 14+ days fails', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const now = Date.UTC(2026, 5, 20);
  const clock = new FakeClock(now);
  // From the gateway's status.
  const gw = (lastConnectedAt: number) => runningGateway([account({ state: 'reconnecting', lastConnectedAt })]);
  let c = find((await runDoctor(testContext(s.dir, { clock, gateway: gw(now - 13 * DAY) }))).checks, 'phone-offline:default');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /Not connected for 13 days.*about 14 days/);
  c = find((await runDoctor(testContext(s.dir, { clock, gateway: gw(now - 15 * DAY) }))).checks, 'phone-offline:default');
  assert.equal(c.status, 'fail');
  c = find((await runDoctor(testContext(s.dir, { clock, gateway: gw(now - 2 * DAY) }))).checks, 'phone-offline:default');
  assert.equal(c.status, 'ok');
  c = find((await runDoctor(testContext(s.dir, { clock, gateway: runningGateway([account({ lastConnectedAt: now - 30 * DAY })]) }))).checks, 'phone-offline:default');
  assert.equal(c.status, 'ok', 'connected right now');

  // Gateway stopped: from the credential files.
  const dir = await writeAccount(s.dir, 'default', { 'creds.json': linkedCredsText(), 'creds.json.bak': linkedCredsText() });
  await utimes(join(dir, 'creds.json'), new Date(now - 12.5 * DAY), new Date(now - 12.5 * DAY));
  c = find((await runDoctor(testContext(s.dir, { clock }))).checks, 'phone-offline:default');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /per the credential files/);
});
