// The webhook agent against real local HTTP services: signature checked independently with
// node:crypto, retries driven on a FakeClock, timeouts, and every kind of answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { FakeClock } from '../../main/shared/clock.ts';
import { collectReply, createAgent, signWebhook, type AgentConfig } from '../../main/agents/index.ts';
import { deadUrl, failure, message, startServer, waitFor, type RecordedRequest } from './helpers.ts';

const SECRET = 'whsec-test-0123456789';

function config(url: string, extra: NonNullable<AgentConfig['webhook']> = {}): AgentConfig {
  return { kind: 'webhook', webhook: { url, secret: SECRET, ...extra } };
}

/** What a receiving service does: recompute the HMAC over "<timestamp>.<raw body>". */
function verify(req: RecordedRequest, secret: string, nowSeconds: number): boolean {
  const timestamp = String(req.headers['x-clawline-timestamp']);
  const signature = String(req.headers['x-clawline-signature']);
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${req.rawBody}`).digest('hex')}`;
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

test('posts the message as signed JSON and uses the JSON answer as the reply', async (t) => {
  const clock = new FakeClock(1_750_000_000_000);
  const server = await startServer((req, res) => {
    if (!verify(req, SECRET, 1_750_000_000)) {
      res.writeHead(401).end('bad signature');
      return;
    }
    const msg = JSON.parse(req.rawBody);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ text: `Hi ${msg.sender.name}, you said: ${msg.text}`, reaction: '👍' }));
  });
  t.after(() => server.close());
  const agent = createAgent(config(`${server.url}/hook`), { stateDir: '/nonexistent', clock });
  const controller = new AbortController();
  const input = message('hello', { quoted: { text: 'earlier', fromMe: true }, signal: controller.signal });

  assert.deepEqual(await collectReply(agent.reply(input)), { text: 'Hi Anna, you said: hello', reaction: '👍' });
  const req = server.requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/hook');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['x-clawline-timestamp'], '1750000000');
  assert.deepEqual(JSON.parse(req.rawBody), {
    accountId: 'default',
    chatId: '4915112345678@s.whatsapp.net',
    messageId: '3EB0C0FFEE000001',
    sender: { id: '+4915112345678', jid: '4915112345678@s.whatsapp.net', name: 'Anna' },
    isGroup: false,
    text: 'hello',
    attachments: [],
    quoted: { text: 'earlier', fromMe: true },
  }, 'the documented wire format, and nothing else (no AbortSignal)');
  assert.equal(req.headers['x-clawline-signature'], signWebhook(SECRET, '1750000000', req.rawBody));
  assert.equal(verify(req, 'another-secret', 1_750_000_000), false, 'a wrong secret does not verify');
  assert.equal(verify(req, SECRET, 1_750_000_000 + 3600), false, 'an hour-old request is refused as a replay');
});

test('a plain-text answer is the reply text; 204 or an empty body means no reply', async (t) => {
  const answers: Array<[number, Record<string, string>, string]> = [
    [200, { 'Content-Type': 'text/plain; charset=utf-8' }, '  Plain and simple.\n'],
    [204, {}, ''],
    [200, { 'Content-Type': 'application/json' }, '{}'],
    [200, { 'Content-Type': 'application/json' }, '"just a JSON string"'],
  ];
  const server = await startServer((_req, res) => {
    const [status, headers, body] = answers[server.requests.length - 1]!;
    res.writeHead(status, headers).end(body);
  });
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: '/nonexistent' });
  assert.deepEqual(await collectReply(agent.reply(message('a'))), { text: 'Plain and simple.' });
  assert.deepEqual(await collectReply(agent.reply(message('b'))), {});
  assert.deepEqual(await collectReply(agent.reply(message('c'))), {});
  assert.deepEqual(await collectReply(agent.reply(message('d'))), { text: 'just a JSON string' });
});

test('503 twice, then success: retried after 1 s and 2 s with the same delivery id', async (t) => {
  const clock = new FakeClock();
  const server = await startServer((req, res) => {
    if (server.requests.length <= 2) {
      res.writeHead(503).end('warming up');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ text: `third time lucky (${req.headers['x-clawline-attempt']})` }));
  });
  t.after(() => server.close());
  const agent = createAgent(config(server.url, { timeoutMs: 30_000 }), { stateDir: '/nonexistent', clock });
  const pending = collectReply(agent.reply(message('hi')));

  await waitFor(() => clock.pending()[0] === 1000, 'the first backoff');
  assert.equal(server.requests.length, 1);
  clock.advance(1000);
  await waitFor(() => clock.pending()[0] === 2000, 'the second backoff');
  assert.equal(server.requests.length, 2);
  clock.advance(2000);

  assert.deepEqual(await pending, { text: 'third time lucky (3)' });
  const ids = new Set(server.requests.map((r) => r.headers['x-clawline-delivery']));
  assert.equal(ids.size, 1, 'the receiver can deduplicate retries');
  for (const r of server.requests) assert.ok(verify(r, SECRET, Math.floor(clock.now() / 1000)), 'every attempt is signed');
  assert.deepEqual(clock.pending(), []);
});

test('a service that keeps failing with 5xx is tried 3 times, then reported', async (t) => {
  const clock = new FakeClock();
  const server = await startServer((_req, res) => res.writeHead(500).end('database is down'));
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: '/nonexistent', clock });
  const pending = collectReply(agent.reply(message('hi')));
  await waitFor(() => clock.pending()[0] === 1000, 'the first backoff');
  clock.advance(1000);
  await waitFor(() => clock.pending()[0] === 2000, 'the second backoff');
  clock.advance(2000);
  const error = await failure(pending);
  assert.equal(server.requests.length, 3);
  assert.equal(error.code, 'server-error');
  assert.equal(error.status, 500);
  assert.match(error.message, /HTTP 500: database is down\) \(tried 3 times\)\.$/);
});

test('4xx answers are not retried', async (t) => {
  const statuses = [400, 401, 404];
  const server = await startServer((_req, res) => res.writeHead(statuses[server.requests.length - 1]!).end('nope'));
  t.after(() => server.close());
  const clock = new FakeClock();
  const agent = createAgent(config(server.url), { stateDir: '/nonexistent', clock });

  const bad = await failure(collectReply(agent.reply(message('a'))));
  assert.equal(bad.code, 'client-error');
  assert.equal(server.requests.length, 1);
  const auth = await failure(collectReply(agent.reply(message('b'))));
  assert.equal(auth.code, 'auth');
  assert.match(auth.nextStep, /clawline\.agent\.webhook\.secret/);
  const missing = await failure(collectReply(agent.reply(message('c'))));
  assert.equal(missing.code, 'not-found');
  assert.equal(server.requests.length, 3, 'one request per message, no retries');
  assert.deepEqual(clock.pending(), []);
});

test('a redirect is not followed: the signed message goes only where configured', async (t) => {
  const server = await startServer((_req, res) => res.writeHead(302, { Location: 'http://127.0.0.1:9/elsewhere' }).end());
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: '/nonexistent' });
  const error = await failure(collectReply(agent.reply(message('hi'))));
  assert.equal(error.code, 'not-found');
  assert.match(error.message, /redirects to http:\/\/127\.0\.0\.1:9\/elsewhere \(HTTP 302\)/);
  assert.equal(server.requests.length, 1);
});

test('a service that never answers times out after timeoutMs, retries included', async (t) => {
  const clock = new FakeClock();
  const server = await startServer(() => { /* never answers */ });
  t.after(() => server.close());
  const agent = createAgent(config(server.url, { timeoutMs: 10_000 }), { stateDir: '/nonexistent', clock });
  const pending = collectReply(agent.reply(message('hi')));
  await waitFor(() => server.requests.length === 1, 'the request to arrive');
  clock.advance(10_000);
  const error = await failure(pending);
  assert.equal(error.code, 'timeout');
  assert.match(error.message, /did not answer within 10 s/);
  assert.equal(server.requests.length, 1);
});

test('nothing listening: retried on the network error, then reported as unreachable', async (t) => {
  const clock = new FakeClock();
  const url = await deadUrl();
  const agent = createAgent(config(url), { stateDir: '/nonexistent', clock });
  const pending = collectReply(agent.reply(message('hi')));
  await waitFor(() => clock.pending()[0] === 1000, 'the first backoff');
  clock.advance(1000);
  await waitFor(() => clock.pending()[0] === 2000, 'the second backoff');
  clock.advance(2000);
  const error = await failure(pending);
  assert.equal(error.code, 'unreachable');
  assert.match(error.message, /Nothing is answering at .* \(connection refused\) \(tried 3 times\)\.$/);
});

test('a malformed JSON answer is a bad response, not a crash', async (t) => {
  const server = await startServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"text": '));
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: '/nonexistent' });
  const error = await failure(collectReply(agent.reply(message('hi'))));
  assert.equal(error.code, 'bad-response');
  assert.match(error.nextStep, /\{"text": "Hello"\}/);
});

test('without a secret the message is sent unsigned', async (t) => {
  const server = await startServer((_req, res) => res.writeHead(200).end('ok'));
  t.after(() => server.close());
  const agent = createAgent({ kind: 'webhook', webhook: { url: server.url } }, { stateDir: '/nonexistent' });
  assert.deepEqual(await collectReply(agent.reply(message('hi'))), { text: 'ok' });
  assert.equal(server.requests[0]!.headers['x-clawline-signature'], undefined);
  assert.ok(server.requests[0]!.headers['x-clawline-timestamp']);
});
