// The HTTP control API (JSON in/out, 127.0.0.1 only, optional Bearer token) for tests and demos
// in any language. Each route calls the Simulator method of the same name; route shapes are a
// contract other tooling relies on (docs/simulator.md): extend, do not rename.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Simulator } from '../simulator.ts';
import { SimInputError } from '../world/world.ts';

type Handler = (sim: Simulator, body: any, params: string[], query: URLSearchParams) => unknown;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const routes: Route[] = [
  { method: 'GET', pattern: /^\/state$/, handler: (sim) => sim.state() },
  { method: 'GET', pattern: /^\/health$/, handler: () => ({ ok: true }) },
  {
    // Long poll: answers once anything changed after version `since` (or after timeoutMs), so
    // clients in any language can wait for a condition without sleeping: GET /state, check,
    // GET /wait?since=<state.version>, repeat.
    method: 'GET',
    pattern: /^\/wait$/,
    handler: async (sim, _b, _p, query) => {
      const since = Number(query.get('since') ?? -1);
      const timeoutMs = Math.min(Number(query.get('timeoutMs') ?? 25_000), 120_000);
      if (!Number.isFinite(since) || !Number.isFinite(timeoutMs)) throw new SimInputError('wait takes ?since=<version>&timeoutMs=<ms>');
      return { version: await sim.changesSince(since, timeoutMs) };
    },
  },
  { method: 'POST', pattern: /^\/contacts$/, handler: (sim, b) => sim.addContact(b) },
  { method: 'GET', pattern: /^\/contacts$/, handler: (sim) => ({ contacts: sim.contacts() }) },
  { method: 'POST', pattern: /^\/groups$/, handler: (sim, b) => sim.addGroup(b) },
  { method: 'GET', pattern: /^\/groups$/, handler: (sim) => ({ groups: sim.groups() }) },
  { method: 'POST', pattern: /^\/contacts\/([^/]+)\/send$/, handler: (sim, b, [id]) => sim.send(id!, b) },
  {
    method: 'POST',
    pattern: /^\/contacts\/([^/]+)\/read$/,
    handler: async (sim, b, [id]) => {
      const ids = b?.messageIds ?? b?.messageId;
      if (!ids) throw new SimInputError('read needs "messageId" or "messageIds"');
      await sim.contact(id!).read(ids);
      return { ok: true };
    },
  },
  {
    method: 'POST',
    pattern: /^\/contacts\/([^/]+)\/typing$/,
    handler: (sim, b, [id]) => {
      sim.contact(id!).typing(b?.state ?? 'composing', { to: b?.to, group: b?.group });
      return { ok: true };
    },
  },
  { method: 'GET', pattern: /^\/contacts\/([^/]+)\/inbox$/, handler: (sim, _b, [id]) => sim.inbox(id!) },
  {
    method: 'POST',
    pattern: /^\/phone\/scan$/,
    handler: (sim, b) => {
      if (typeof b?.qr !== 'string') throw new SimInputError('scan needs "qr": the QR text the client showed');
      return sim.phone.scan(b.qr, { phone: b.phone });
    },
  },
  {
    method: 'POST',
    pattern: /^\/phone\/code$/,
    handler: (sim, b) => {
      if (typeof b?.code !== 'string') throw new SimInputError('code needs "code": the 8-character pairing code');
      return sim.phone.code(b.code, { phone: b.phone });
    },
  },
  {
    method: 'POST',
    pattern: /^\/phone\/unlink$/,
    handler: (sim, b) => {
      if (typeof b?.device !== 'string') throw new SimInputError('unlink needs "device": the device JID');
      sim.phone.unlink(b.device);
      return { ok: true };
    },
  },
  { method: 'GET', pattern: /^\/phone\/log$/, handler: async (sim, _b, _p, q) => ({ messages: await sim.phone.log(q.get('phone') ?? undefined) }) },
  {
    method: 'POST',
    pattern: /^\/faults$/,
    handler: (sim, b) => ({ ok: true, ...sim.fault(b) }),
  },
  { method: 'GET', pattern: /^\/faults$/, handler: (sim) => ({ faults: sim.faults() }) },
  {
    method: 'POST',
    pattern: /^\/shutdown$/,
    handler: (sim) => {
      // Answer first; the simulator (and `npm run sim`) stops right after.
      setImmediate(() => void sim.close());
      return { ok: true };
    },
  },
];

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024 * 1024) {
        reject(new SimInputError('request body too large', 413));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new SimInputError(`body is not JSON: ${(err as Error).message}`));
      }
    });
    req.on('error', reject);
  });
}

export class ControlServer {
  private server: Server | undefined;
  port = 0;

  constructor(
    private readonly sim: () => Simulator,
    readonly token: string | undefined,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.token) return true;
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    const want = Buffer.from(this.token);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!this.authorized(req)) return send(401, { error: 'missing or wrong token: send "Authorization: Bearer <token>" (printed at start)' });
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    const matching = routes.filter((r) => r.pattern.test(path));
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      return send(matching.length ? 405 : 404, { error: matching.length ? `use ${matching.map((r) => r.method).join(' or ')} for ${path}` : `no route ${req.method} ${path}` });
    }
    try {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const params = route.pattern.exec(path)!.slice(1).map((p) => decodeURIComponent(p));
      send(200, await route.handler(this.sim(), body, params, url.searchParams));
    } catch (err) {
      if (err instanceof SimInputError) send(err.status, { error: err.message });
      else send(500, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
