// The real network probes behind the doctor's connectivity checks. Each has a short timeout
// and never throws past its contract; tests replace them (DoctorContext.net).
import { lookup } from 'node:dns/promises';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { DnsTlsResult, NetProbes } from './context.ts';

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function httpDate(url: string, timeoutMs: number): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ENOTFOUND, ECONNREFUSED...) is in its cause.
    const cause = (err as { cause?: unknown }).cause;
    throw new Error(cause ? errorText(cause) : errorText(err));
  }
  const header = res.headers.get('date');
  const time = header ? Date.parse(header) : NaN;
  if (!Number.isFinite(time)) throw new Error(`${url} answered without a usable Date header`);
  return time;
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code}${e.message && !e.message.includes(e.code) ? `: ${e.message}` : ''}` : String(e?.message ?? err);
}

async function dnsTls(host: string, port: number, timeoutMs: number): Promise<DnsTlsResult> {
  let address: string;
  try {
    address = (await Promise.race([
      lookup(host),
      new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), timeoutMs).unref()),
    ])).address;
  } catch (err) {
    return { ok: false, stage: 'dns', error: errorText(err) };
  }
  return new Promise((resolve) => {
    let connected = false;
    const socket = tlsConnect({ host: address, port, servername: host, timeout: timeoutMs });
    const finish = (result: DnsTlsResult) => {
      socket.destroy();
      resolve(result);
    };
    // 'connect' fires on the TCP connection, before the handshake: it tells a blocked port from a broken TLS.
    socket.once('connect', () => { connected = true; });
    socket.once('secureConnect', () => finish({ ok: true, address }));
    socket.once('timeout', () => finish({ ok: false, stage: connected ? 'tls' : 'connect', error: `no answer within ${timeoutMs} ms` }));
    socket.once('error', (err) => finish({ ok: false, stage: connected ? 'tls' : 'connect', error: errorText(err) }));
  });
}

export const realNetProbes: NetProbes = { tcpProbe, httpDate, dnsTls };
