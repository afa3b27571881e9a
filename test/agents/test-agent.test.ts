// "Test connection": the words the owner reads for success and for each kind of failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock } from '../../main/shared/clock.ts';
import { testAgent } from '../../main/agents/index.ts';
import { deadUrl, startOpenAIServer, startServer, tempDir, waitFor } from './helpers.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

test('built-in agent: always ready, and says how to get real answers', async () => {
  for (const config of [undefined, {}, { kind: 'builtin' as const }]) {
    const result = await testAgent(config);
    assert.equal(result.ok, true);
    assert.match(result.message, /built-in agent is active: it answers "ping" with "pong"/);
    assert.match(result.message, /Settings → Agent/);
  }
});

test('openai: success names the model and the address, and writes no history', async (t) => {
  const server = await startOpenAIServer({ answer: () => 'pong' });
  t.after(() => server.close());
  const stateDir = await tempDir(t);
  const result = await testAgent({ kind: 'openai', openai: { baseUrl: `${server.url}/v1/`, model: 'llama3' } }, { stateDir });
  assert.deepEqual(result, { ok: true, message: `Connected to llama3 at ${server.url}/v1: it answered "pong".` });
  assert.deepEqual(await readdir(stateDir), []);
});

test('openai: model server not running', async () => {
  const url = await deadUrl();
  const result = await testAgent({ kind: 'openai', openai: { baseUrl: `${url}/v1`, model: 'llama3' } });
  assert.equal(result.ok, false);
  assert.equal(result.message, `Nothing is answering at ${url}/v1 (connection refused). Start your model server (Ollama: \`ollama serve\`; LM Studio: start its local server) or correct clawline.agent.openai.baseUrl.`);
});

test('openai: unknown model lists the ones the server has', async (t) => {
  const server = await startOpenAIServer({ models: ['mistral:latest', 'qwen2.5:7b'] });
  t.after(() => server.close());
  const result = await testAgent({ kind: 'openai', openai: { baseUrl: `${server.url}/v1`, model: 'llama3' } });
  assert.equal(result.ok, false);
  assert.match(result.message, /has no model called "llama3".* The server has: mistral:latest, qwen2\.5:7b\. Use a model the server has/);
});

test('openai: missing model, bad address, wrong key, wrong path, not an OpenAI API', async (t) => {
  const noModel = await testAgent({ kind: 'openai', openai: { baseUrl: 'http://127.0.0.1:11434/v1' } });
  assert.equal(noModel.ok, false);
  assert.match(noModel.message, /^clawline\.agent\.openai\.model is not set\. Enter the model name, e\.g\. "llama3\.2"/);

  const badUrl = await testAgent({ kind: 'openai', openai: { baseUrl: 'localhost 11434', model: 'llama3' } });
  assert.match(badUrl.message, /clawline\.agent\.openai\.baseUrl is not a web address: "localhost 11434"\. Use a full address such as http:\/\/127\.0\.0\.1:11434\/v1/);

  const server = await startOpenAIServer({ apiKey: 'sk-right' });
  t.after(() => server.close());
  const wrongKey = await testAgent({ kind: 'openai', openai: { baseUrl: `${server.url}/v1`, model: 'llama3', apiKey: 'sk-wrong-key' } });
  assert.equal(wrongKey.ok, false);
  assert.match(wrongKey.message, /refused the request \(HTTP 401.*\)\. Check the API key in clawline\.agent\.openai\.apiKey\./);
  assert.doesNotMatch(wrongKey.message, /sk-wrong-key/);
  const noKey = await testAgent({ kind: 'openai', openai: { baseUrl: `${server.url}/v1`, model: 'llama3' } });
  assert.match(noKey.message, /This server needs an API key: set clawline\.agent\.openai\.apiKey\./);

  const open = await startOpenAIServer();
  t.after(() => open.close());
  const noV1 = await testAgent({ kind: 'openai', openai: { baseUrl: open.url, model: 'llama3' } });
  assert.match(noV1.message, /Nothing answers at .*\/chat\/completions \(HTTP 404: 404 page not found\)\. Check clawline\.agent\.openai\.baseUrl: it usually ends in \/v1/);

  const html = await startServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Router login</body></html>'));
  t.after(() => html.close());
  const notOpenAI = await testAgent({ kind: 'openai', openai: { baseUrl: html.url, model: 'llama3' } });
  assert.match(notOpenAI.message, /answered with something that is not JSON: <html><body>Router login.*OpenAI-compatible API/);
});

test('openai: a model that takes too long', async (t) => {
  const server = await startOpenAIServer({ mode: 'hang' });
  t.after(() => server.close());
  const clock = new FakeClock();
  const pending = testAgent({ kind: 'openai', openai: { baseUrl: `${server.url}/v1`, model: 'llama3', timeoutMs: 30_000 } }, { clock });
  await waitFor(() => server.requests.length === 1, 'the request to arrive');
  clock.advance(30_000);
  const result = await pending;
  assert.equal(result.ok, false);
  assert.match(result.message, /did not finish answering within 30 s\. The first message after a model loads can be slow/);
});

test('webhook: success, with a note when messages are unsigned', async (t) => {
  const server = await startServer((req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ text: req.headers['x-clawline-test'] === '1' ? 'pong' : 'real' })));
  t.after(() => server.close());
  const signed = await testAgent({ kind: 'webhook', webhook: { url: `${server.url}/hook`, secret: 's3cret' } });
  assert.deepEqual(signed, { ok: true, message: `The webhook at ${server.url}/hook answered: "pong".` });
  const unsigned = await testAgent({ kind: 'webhook', webhook: { url: `${server.url}/hook` } });
  assert.equal(unsigned.ok, true);
  assert.match(unsigned.message, /Messages are not signed: set clawline\.agent\.webhook\.secret/);
  assert.equal(JSON.parse(server.requests[0]!.rawBody).text, 'ping');
});

test('webhook: wrong secret, missing address', async (t) => {
  const server = await startServer((_req, res) => res.writeHead(401).end('invalid signature'));
  t.after(() => server.close());
  const wrong = await testAgent({ kind: 'webhook', webhook: { url: server.url, secret: 'nope' } });
  assert.equal(wrong.ok, false);
  assert.match(wrong.message, /refused the request \(HTTP 401: invalid signature\)\. Make sure clawline\.agent\.webhook\.secret matches/);
  const missing = await testAgent({ kind: 'webhook', webhook: {} });
  assert.match(missing.message, /^clawline\.agent\.webhook\.url is not set\./);
});

test('command: success, missing program, failing program', async () => {
  const ok = await testAgent({ kind: 'command', command: { command: process.execPath, args: [join(fixtures, 'upper.mjs')] } });
  assert.deepEqual(ok, { ok: true, message: `The command "${process.execPath}" ran and answered: "PING".` });
  const missing = await testAgent({ kind: 'command', command: { command: 'clawline-no-such-bot' } });
  assert.equal(missing.ok, false);
  assert.match(missing.message, /Could not start "clawline-no-such-bot": there is no such program\. Put the program's full path/);
  const failing = await testAgent({ kind: 'command', command: { command: process.execPath, args: [join(fixtures, 'fail.mjs')] } });
  assert.match(failing.message, /failed \(exit code 1\): Traceback: model file missing/);
});

test('an unknown kind is named, with the kinds that exist', async () => {
  const result = await testAgent({ kind: 'telepathy' as never });
  assert.deepEqual(result, { ok: false, message: 'clawline.agent.kind is "telepathy", which Clawline does not know. Use one of: builtin, openai, webhook, command.' });
});
