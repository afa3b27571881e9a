// The loopback control server: the CLI and a browser reach the gateway through it.
// Safety rules (failure mode #17 in the reference: open management APIs):
//   - binds 127.0.0.1 only; nothing listens unless the gateway runs;
//   - every /api request needs the token (Bearer header, or the WebSocket subprotocol
//     `clawline.token.<token>` since browsers cannot set headers on WebSockets);
//   - Host must be a loopback name with our port and Origin, when sent, must be our own
//     origin: this defeats DNS rebinding and cross-site requests from web pages.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ZodError } from 'zod';
import { isOperation, parseRequest, type ControlError, type ControlHandler, type EventName } from './contract.ts';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const MAX_BODY_BYTES = 1024 * 1024;
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export interface ControlServerOptions {
  handler: ControlHandler;
  token: string;
  /** 0 picks a free port. */
  port?: number;
  rendererDir?: string;
  /** Called with each refused request, for the logs. */
  onRefused?: (reason: string, req: IncomingMessage) => void;
}

export interface ControlServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function tokenMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, error: ControlError): void {
  sendJson(res, status, { error });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('request body too large (1 MB max)'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw Object.assign(new Error('request body is not valid JSON'), { status: 400 });
  }
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { handler, token } = options;
  let port = 0;

  /** Returns why the request must be refused, or undefined when Host/Origin are ours. */
  const originProblem = (req: IncomingMessage): string | undefined => {
    const host = req.headers.host ?? '';
    const m = /^(\[::1\]|[^:]+)(?::(\d+))?$/.exec(host);
    if (!m || !LOOPBACK_HOSTS.has(m[1]!.toLowerCase()) || Number(m[2] ?? 80) !== port) return `Host "${host}" is not this loopback server`;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let o: URL;
      try { o = new URL(origin); } catch { return `Origin "${origin}" is not valid`; }
      if (o.protocol !== 'http:' || !LOOPBACK_HOSTS.has(o.hostname === '::1' ? '[::1]' : o.hostname) || Number(o.port || 80) !== port) return `Origin "${origin}" is not this server`;
    } else if (origin === 'null') return 'Origin "null" is refused';
    return undefined;
  };

  const refuse = (res: ServerResponse, status: 401 | 403, message: string, req: IncomingMessage) => {
    options.onRefused?.(message, req);
    sendError(res, status, { code: status === 401 ? 'unauthorized' : 'forbidden', message, nextStep: status === 401 ? 'Open the dashboard with `clawline dashboard`, which passes the token.' : undefined });
  };

  const serveStatic = async (req: IncomingMessage, res: ServerResponse) => {
    if (!options.rendererDir || (req.method !== 'GET' && req.method !== 'HEAD')) { sendError(res, 404, { code: 'not-found', message: 'not found' }); return; }
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const rel = normalize(urlPath === '/' ? '/index.html' : urlPath);
    const file = join(options.rendererDir, rel);
    if (!file.startsWith(normalize(options.rendererDir) + sep)) { sendError(res, 404, { code: 'not-found', message: 'not found' }); return; }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      sendError(res, 404, { code: 'not-found', message: `no such file: ${urlPath}` });
    }
  };

  const server = createServer(async (req, res) => {
    const problem = originProblem(req);
    if (problem) return refuse(res, 403, problem, req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!path.startsWith('/api/')) return serveStatic(req, res);
    const auth = req.headers.authorization;
    if (!tokenMatches(token, auth?.startsWith('Bearer ') ? auth.slice(7) : undefined)) return refuse(res, 401, 'missing or wrong control token', req);
    const op = path.slice('/api/'.length);
    if (req.method !== 'POST') return sendError(res, 405, { code: 'bad-request', message: 'use POST for API calls' });
    if (!isOperation(op)) return sendError(res, 404, { code: 'not-found', message: `unknown operation "${op}"` });
    try {
      const request = parseRequest(op, await readBody(req));
      const response = await handler.handle(op, request);
      sendJson(res, 200, response);
    } catch (err) {
      if (err instanceof ZodError) {
        const message = err.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
        return sendError(res, 400, { code: 'bad-request', message });
      }
      const e = err as { status?: number; code?: string; message?: string; nextStep?: string };
      if (e.status === 400 || e.status === 413) return sendError(res, e.status, { code: 'bad-request', message: e.message ?? 'bad request' });
      const code = e.code === 'gateway-not-running' || e.code === 'not-found' || e.code === 'bad-request' ? e.code : 'failed';
      sendError(res, code === 'not-found' ? 404 : code === 'bad-request' ? 400 : code === 'gateway-not-running' ? 503 : 500, { code, message: e.message ?? String(err), nextStep: e.nextStep });
    }
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith('clawline.token.')) ?? false,
  });
  const clients = new Set<WebSocket>();
  const unsubscribe = handler.subscribe((event: EventName, payload: unknown) => {
    if (clients.size === 0) return;
    const text = JSON.stringify({ event, payload });
    for (const ws of clients) if (ws.readyState === ws.OPEN && ws.bufferedAmount < 4 * 1024 * 1024) ws.send(text);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const deny = (status: number, reason: string) => {
      options.onRefused?.(reason, req);
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    const problem = originProblem(req);
    if (problem) return deny(403, problem);
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/api/events') return deny(403, 'unknown upgrade path');
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    const fromProtocol = protocols.find((p) => p.startsWith('clawline.token.'))?.slice('clawline.token.'.length);
    const auth = req.headers.authorization;
    const given = fromProtocol ?? (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined);
    if (!tokenMatches(token, given)) return deny(401, 'missing or wrong control token');
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
