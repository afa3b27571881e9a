// Checks on the machine around Clawline: runtime, disk, network reach, clock, and OpenClaw's
// own gateway competing for the same session. In simulator mode (CLAWLINE_WA_URL set) nothing
// here contacts the internet.
import { stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { result, type CheckDefinition } from './check-types.ts';
import type { Snapshot } from './snapshot.ts';

export const WA_HOST = 'web.whatsapp.com';
export const OPENCLAW_DEFAULT_PORT = 18789;
const PROBE_TIMEOUT_MS = 5000;
const LOCAL_PROBE_TIMEOUT_MS = 1000;
export const DISK_WARN_BYTES = 500 * 1024 * 1024;
export const DISK_FAIL_BYTES = 50 * 1024 * 1024;
export const CLOCK_WARN_MS = 60_000;
export const CLOCK_FAIL_MS = 5 * 60_000;

const simulatorUrl = (snap: Snapshot) => snap.ctx.env.CLAWLINE_WA_URL || undefined;

export const runtimeCheck: CheckDefinition = {
  key: 'runtime',
  async run(snap) {
    const title = 'Runtime';
    const v = snap.ctx.versions ?? process.versions;
    if (v.bun) {
      return result('runtime', title, 'fail', `Running on Bun ${v.bun}: Baileys, the WhatsApp library, does not work on Bun (linking and messages fail silently).`, {
        nextStep: 'Run Clawline with Node.js 20 or newer ("node bin/clawline.js ...").',
      });
    }
    const major = Number((v.node ?? '').split('.')[0]);
    if (!Number.isFinite(major) || major < 20) {
      return result('runtime', title, 'fail', `Node.js ${v.node ?? '(unknown)'} is too old: Clawline needs Node.js 20 or newer.`, { nextStep: 'Install Node.js 20 LTS or newer.' });
    }
    return result('runtime', title, 'ok', `Node.js ${v.node}${v.electron ? ` (Electron ${v.electron})` : ''}.`);
  },
};

/** The state dir, or its nearest existing parent (the disk it will live on). */
async function existingAncestor(path: string): Promise<string> {
  let p = path;
  while (!(await stat(p).catch(() => undefined))) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

async function freeBytesOf(path: string): Promise<number> {
  const s = await statfs(path);
  return Number(s.bavail) * Number(s.bsize);
}

const mb = (bytes: number) => (bytes >= 10 * 1024 ** 3 ? `${Math.round(bytes / 1024 ** 3)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`);

export const diskSpaceCheck: CheckDefinition = {
  key: 'disk-space',
  async run(snap) {
    const title = 'Disk space';
    const where = await existingAncestor(snap.ctx.stateDir);
    let free: number;
    try {
      free = await (snap.ctx.freeBytes ?? freeBytesOf)(where);
    } catch (err) {
      return result('disk-space', title, 'skipped', `Could not measure the free space of ${where}: ${(err as Error).message}.`);
    }
    if (free < DISK_FAIL_BYTES) {
      return result('disk-space', title, 'fail', `Only ${mb(free)} free on the disk holding ${snap.ctx.stateDir}: credential saves can fail, and a failed save can log the account out.`, {
        nextStep: 'Free some space now (old logs in the logs folder, media under media/whatsapp, other files).',
      });
    }
    if (free < DISK_WARN_BYTES) {
      return result('disk-space', title, 'warn', `${mb(free)} free on the disk holding ${snap.ctx.stateDir}; logs and media need room to grow.`, {
        nextStep: 'Free some space (old logs, media under media/whatsapp).',
      });
    }
    return result('disk-space', title, 'ok', `${mb(free)} free on the disk holding ${snap.ctx.stateDir}.`);
  },
};

function simulatorAddress(url: string): { host: string; port: number } | undefined {
  try {
    const u = new URL(url);
    const secure = u.protocol === 'wss:' || u.protocol === 'https:';
    const port = u.port ? Number(u.port) : secure ? 443 : 80;
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return undefined;
  }
}

export const reachabilityCheck: CheckDefinition = {
  key: 'wa-reachable',
  async run(snap) {
    const title = 'WhatsApp servers reachable';
    const sim = simulatorUrl(snap);
    if (sim) {
      const addr = simulatorAddress(sim);
      if (!addr) return result('wa-reachable', title, 'fail', `CLAWLINE_WA_URL is set to "${sim}", which is not a URL.`, { nextStep: 'Set it to the simulator\'s ws:// URL, or unset it to use WhatsApp.' });
      const open = await snap.ctx.net.tcpProbe(addr.host, addr.port, LOCAL_PROBE_TIMEOUT_MS);
      return open
        ? result('wa-reachable', title, 'ok', `Simulator mode (CLAWLINE_WA_URL): the simulator at ${sim} answers. WhatsApp's real servers are never contacted.`)
        : result('wa-reachable', title, 'fail', `Simulator mode (CLAWLINE_WA_URL): nothing answers at ${sim}.`, { nextStep: 'Start the simulator ("npm run sim"), or unset CLAWLINE_WA_URL to use WhatsApp.' });
    }
    const r = await snap.ctx.net.dnsTls(WA_HOST, 443, PROBE_TIMEOUT_MS);
    if (r.ok) return result('wa-reachable', title, 'ok', `${WA_HOST} answers (name lookup and secure connection work).`);
    if (r.stage === 'dns') {
      return result('wa-reachable', title, 'skipped', `Could not look up ${WA_HOST} (${r.error}): this computer seems to be offline, so the connection checks were skipped.`, {
        nextStep: 'Connect to the internet and run the doctor again. If other sites work, your DNS may be blocking WhatsApp.',
      });
    }
    return result('wa-reachable', title, 'fail',
      `${WA_HOST} was found but a ${r.stage === 'tls' ? 'secure (TLS)' : 'TCP'} connection to port 443 failed (${r.error}): a firewall, proxy or network filter seems to block WhatsApp.`, {
        nextStep: `Allow outgoing connections to ${WA_HOST} and *.whatsapp.net on port 443, or try another network.`,
      });
  },
};

export const clockSkewCheck: CheckDefinition = {
  key: 'clock-skew',
  async run(snap) {
    const title = 'Clock';
    if (simulatorUrl(snap)) {
      return result('clock-skew', title, 'skipped', 'Simulator mode (CLAWLINE_WA_URL is set): the internet is never contacted, so the clock was not compared with WhatsApp\'s.');
    }
    let server: number;
    try {
      server = await snap.ctx.net.httpDate(`https://${WA_HOST}/`, PROBE_TIMEOUT_MS);
    } catch (err) {
      return result('clock-skew', title, 'skipped', `Could not reach https://${WA_HOST} (${(err as Error).message}): offline, so the clock was not compared.`);
    }
    const skew = snap.ctx.clock.now() - server;
    const abs = Math.abs(skew);
    const amount = abs >= 120_000 ? `${Math.round(abs / 60_000)} min` : `${Math.round(abs / 1000)} s`;
    if (abs <= CLOCK_WARN_MS) return result('clock-skew', title, 'ok', `The clock is within ${amount} of WhatsApp's servers.`);
    return result('clock-skew', title, abs > CLOCK_FAIL_MS ? 'fail' : 'warn',
      `This computer's clock is ${amount} ${skew > 0 ? 'ahead of' : 'behind'} WhatsApp's servers: linking can stall and messages get wrong times.`, {
        nextStep: 'Turn on automatic date and time (network time) in the system settings.',
      });
  },
};

/** OpenClaw's gateway port: explicit, else OPENCLAW_GATEWAY_PORT, else openclaw.json gateway.port, else 18789. */
async function openclawPort(snap: Snapshot): Promise<number> {
  if (snap.ctx.openclawPort) return snap.ctx.openclawPort;
  const fromEnv = Number(snap.ctx.env.OPENCLAW_GATEWAY_PORT);
  if (Number.isInteger(fromEnv) && fromEnv > 0 && fromEnv < 65536) return fromEnv;
  const c = await snap.config();
  const port = c.ok ? (c.config.raw as { gateway?: { port?: unknown } } | undefined)?.gateway?.port : undefined;
  if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536) return port;
  return OPENCLAW_DEFAULT_PORT;
}

export const openclawGatewayCheck: CheckDefinition = {
  key: 'openclaw-gateway',
  async run(snap) {
    const title = 'OpenClaw gateway on the same session';
    const port = await openclawPort(snap);
    const g = await snap.gateway();
    if (g.running && g.port === port) return result('openclaw-gateway', title, 'ok', `Port ${port} is Clawline's own gateway.`);
    const open = await snap.ctx.net.tcpProbe('127.0.0.1', port, LOCAL_PROBE_TIMEOUT_MS);
    if (!open) return result('openclaw-gateway', title, 'ok', `Nothing listens on 127.0.0.1:${port} (OpenClaw's gateway is not running here).`);
    const conflict = g.running && g.summary.accounts.some((a) => a.state === 'conflict');
    return result('openclaw-gateway', title, conflict ? 'fail' : 'warn',
      `Something listens on 127.0.0.1:${port}, OpenClaw's gateway port: OpenClaw seems to be running. If its WhatsApp channel uses the same number, the two replace each other's session (WhatsApp error 440) over and over${conflict ? ', and an account here reports exactly that conflict' : ''}.`, {
        nextStep: 'Run one client per number: stop OpenClaw\'s gateway ("openclaw gateway stop") or its WhatsApp channel, or link a different number to one of them.',
      });
  },
};
