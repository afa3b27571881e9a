import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import WebSocket from 'ws';
import { startControlServer, type ControlServer } from '../../main/control/server.ts';
import { HttpControlClient, ControlCallError } from '../../main/control/client.ts';
import type { ControlHandler, EventName } from '../../main/control/contract.ts';

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz';
let server: ControlServer;
let dir: string;
const calls: Array<{ op: string; request: unknown }> = [];
let emit: (event: EventName, payload: unknown) => void = () => {};

const handler: ControlHandler = {
  async handle(op, req) {
    calls.push({ op, request: req });
    if (op === 'pairing.approve') return { ok: true, id: '+14155550100' } as never;
    return { running: true, version: 'test', accounts: [], pendingPairing: 0 } as never;
  },
  subscribe(listener) {
    emit = listener as typeof emit;
    return () => { emit = () => {}; };
  },
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawline-control-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Clawline</title>');
  await writeFile(join(tmpdir(), 'clawline-secret-outside.txt'), 'TOP-SECRET-CONTENT');
  server = await startControlServer({ handler, token: TOKEN, rendererDir: dir });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Raw request so tests can forge Host and Origin headers like an attacker's page would. */
function raw(path: string, headers: Record<string, string>, body = '{}', method = 'POST'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, headers: res.headers }));
    });
    req.on('error', reject);
    if (method !== 'GET') req.end(body); else req.end();
  });
}

test('listens on loopback only', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('a call with the right token reaches the handler with a validated payload', async () => {
  const client = new HttpControlClient(server.url, TOKEN);
  const res = await client.call('pairing.approve', { code: 'abcd2345', notify: true });
  assert.deepEqual(res, { ok: true, id: '+14155550100' });
  assert.deepEqual(calls.at(-1), { op: 'pairing.approve', request: { code: 'ABCD2345', notify: true } });
});

test('a missing or wrong token is refused with 401 and never reaches the handler', async () => {
  const before = calls.length;
  const none = await raw('/api/status.get', {});
  assert.equal(none.status, 401);
  assert.equal(JSON.parse(none.body).error.code, 'unauthorized');
  const wrong = await raw('/api/status.get', { authorization: `Bearer ${TOKEN.slice(0, -1)}x` });
  assert.equal(wrong.status, 401);
  assert.equal(calls.length, before);
});

test('a foreign Origin is refused (a web page cannot drive the gateway)', async () => {
  const res = await raw('/api/status.get', { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' });
  assert.equal(res.status, 403);
  const nullOrigin = await raw('/api/status.get', { authorization: `Bearer ${TOKEN}`, origin: 'null' });
  assert.equal(nullOrigin.status, 403);
  const ours = await raw('/api/status.get', { authorization: `Bearer ${TOKEN}`, origin: server.url });
  assert.equal(ours.status, 200);
});

test('a non-loopback Host is refused (DNS rebinding)', async () => {
  const res = await raw('/api/status.get', { authorization: `Bearer ${TOKEN}`, host: `attacker.example:${server.port}` });
  assert.equal(res.status, 403);
  const wrongPort = await raw('/', { host: `127.0.0.1:${server.port + 1}` }, '', 'GET');
  assert.equal(wrongPort.status, 403);
});

test('bad payloads get a 400 that names the field', async () => {
  const client = new HttpControlClient(server.url, TOKEN);
  await assert.rejects(client.call('pairing.approve', { code: 'nope' } as never), (err: unknown) => {
    assert.ok(err instanceof ControlCallError);
    assert.equal(err.status, 400);
    assert.match(err.message, /code/);
    return true;
  });
  const extra = await raw('/api/status.get', { authorization: `Bearer ${TOKEN}` }, '{"sneaky":1}');
  assert.equal(extra.status, 400);
  const notJson = await raw('/api/status.get', { authorization: `Bearer ${TOKEN}` }, '{');
  assert.equal(notJson.status, 400);
  const unknown = await raw('/api/rm-rf', { authorization: `Bearer ${TOKEN}` });
  assert.equal(unknown.status, 404);
});

test('the renderer is served with a strict CSP and no path escapes its folder', async () => {
  const page = await raw('/', {}, '', 'GET');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /default-src 'self'.*object-src 'none'/);
  const escape = await raw('/..%2Fclawline-secret-outside.txt', {}, '', 'GET');
  assert.equal(escape.status, 404);
  assert.doesNotMatch(escape.body, /TOP-SECRET-CONTENT/);
});

test('events flow over the WebSocket only with the token', async () => {
  const wsUrl = `${server.url.replace('http', 'ws')}/api/events`;
  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket(wsUrl, ['clawline.token.wrong']);
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.on('open', () => { resolve(101); ws.close(); });
    ws.on('error', () => {});
  });
  assert.equal(refused, 401);
  const foreign = await new Promise<number>((resolve) => {
    const ws = new WebSocket(wsUrl, [`clawline.token.${TOKEN}`], { origin: 'http://evil.example' });
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.on('open', () => { resolve(101); ws.close(); });
    ws.on('error', () => {});
  });
  assert.equal(foreign, 403);

  const client = new HttpControlClient(server.url, TOKEN);
  const received = new Promise<unknown>((resolve) => {
    const off = client.on('pairing', (payload) => { off(); resolve(payload); });
  });
  // Give the socket a moment to open, then emit until it arrives.
  const payload = { requests: [] };
  const timer = setInterval(() => emit('pairing', payload), 50);
  assert.deepEqual(await received, payload);
  clearInterval(timer);
});

test('a pairing code typed as shown in the window (ABCD-EFGH) is accepted', async () => {
  const client = new HttpControlClient(server.url, TOKEN);
  await client.call('pairing.approve', { code: 'abcd-2345' });
  assert.deepEqual(calls.at(-1), { op: 'pairing.approve', request: { code: 'ABCD2345', notify: false } });
});
