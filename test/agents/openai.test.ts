// The OpenAI-compatible agent against a real local server speaking the chat completions API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { FakeClock } from '../../main/shared/clock.ts';
import { collectReply, createAgent, type AgentConfig, type AgentOutput } from '../../main/agents/index.ts';
import { formatUserMessage, visibleText } from '../../main/agents/openai.ts';
import { historyFilePath } from '../../main/agents/history.ts';
import { deadUrl, failure, memoryLog, message, startOpenAIServer, startServer, tempDir, waitFor } from './helpers.ts';

function config(baseUrl: string, extra: NonNullable<AgentConfig['openai']> = {}): AgentConfig {
  return { kind: 'openai', openai: { baseUrl: `${baseUrl}/v1`, model: 'llama3', ...extra } };
}

async function parts(stream: AsyncIterable<AgentOutput>): Promise<AgentOutput[]> {
  const out: AgentOutput[] = [];
  for await (const p of stream) out.push(p);
  return out;
}

test('streams the answer over SSE: text arrives piece by piece and adds up to the answer', async (t) => {
  const server = await startOpenAIServer({ apiKey: 'sk-test-key' });
  t.after(() => server.close());
  const stateDir = await tempDir(t);
  const agent = createAgent(config(server.url, { apiKey: 'sk-test-key', systemPrompt: 'Be terse.' }), { stateDir });

  const got = await parts(agent.reply(message('hello there')));
  assert.ok(got.length > 3, 'the answer arrives in several parts');
  assert.ok(got.every((p) => Object.keys(p).join() === 'text'), 'parts are text only');
  assert.equal(got.map((p) => p.text).join(''), 'turn 1: you said hello there');

  const sent = JSON.parse(server.requests[0]!.rawBody);
  assert.equal(sent.stream, true);
  assert.equal(sent.model, 'llama3');
  assert.deepEqual(sent.messages[0], { role: 'system', content: 'Be terse.' });
  assert.equal(server.requests[0]!.headers.authorization, 'Bearer sk-test-key');
});

test('a server that answers with plain JSON instead of a stream still gives the reply', async (t) => {
  const server = await startOpenAIServer({ mode: 'json' });
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: await tempDir(t) });
  assert.deepEqual(await collectReply(agent.reply(message('hi'))), { text: 'turn 1: you said hi' });
});

test('a server that refuses streaming is asked again without it', async (t) => {
  const server = await startOpenAIServer({ mode: 'refuse-stream' });
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: await tempDir(t) });
  assert.deepEqual(await collectReply(agent.reply(message('hi'))), { text: 'turn 1: you said hi' });
  assert.deepEqual(server.requests.map((r) => JSON.parse(r.rawBody).stream), [true, false]);
});

test('the conversation is remembered per chat, on disk, by a new agent instance', async (t) => {
  const server = await startOpenAIServer();
  t.after(() => server.close());
  const stateDir = await tempDir(t);

  const first = createAgent(config(server.url), { stateDir });
  assert.equal((await collectReply(first.reply(message('my name is Anna')))).text, 'turn 1: you said my name is Anna');

  // As after a restart or a settings change: a fresh instance on the same state dir.
  const second = createAgent(config(server.url), { stateDir });
  assert.equal((await collectReply(second.reply(message('what is my name?')))).text, 'turn 2: you said what is my name?');
  const sent = JSON.parse(server.requests[1]!.rawBody).messages as Array<{ role: string; content: string }>;
  assert.deepEqual(sent.slice(1), [
    { role: 'user', content: 'my name is Anna' },
    { role: 'assistant', content: 'turn 1: you said my name is Anna' },
    { role: 'user', content: 'what is my name?' },
  ]);

  // Another chat starts from nothing.
  const other = message('hello', { chatId: '4917000000000@s.whatsapp.net' });
  assert.equal((await collectReply(second.reply(other))).text, 'turn 1: you said hello');

  const file = historyFilePath(stateDir, 'default', message('x').chatId);
  assert.equal(dirname(file), join(stateDir, 'clawline', 'agent-history', 'default'));
  assert.equal((await stat(file)).mode & 0o777, 0o600, 'history is private to the user');
  const stored = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(stored.turns.length, 4);
  assert.equal((await readdir(dirname(file))).filter((n) => n.endsWith('.json')).length, 2);
});

test('history is bounded to historyTurns exchanges, oldest dropped first', async (t) => {
  const server = await startOpenAIServer();
  t.after(() => server.close());
  const stateDir = await tempDir(t);
  for (const text of ['one', 'two', 'three', 'four']) {
    const agent = createAgent(config(server.url, { historyTurns: 2 }), { stateDir });
    await collectReply(agent.reply(message(text)));
  }
  const last = JSON.parse(server.requests[3]!.rawBody).messages as Array<{ role: string; content: string }>;
  assert.deepEqual(last.filter((m) => m.role === 'user').map((m) => m.content), ['two', 'three', 'four']);
  const stored = JSON.parse(await readFile(historyFilePath(stateDir, 'default', message('x').chatId), 'utf8'));
  assert.deepEqual(stored.turns.map((t: { content: string }) => t.content), ['three', 'turn 3: you said three', 'four', 'turn 3: you said four']);
});

test('historyTurns 0 sends no history and writes nothing', async (t) => {
  const server = await startOpenAIServer();
  t.after(() => server.close());
  const stateDir = await tempDir(t);
  const agent = createAgent(config(server.url, { historyTurns: 0 }), { stateDir });
  await collectReply(agent.reply(message('one')));
  assert.equal((await collectReply(agent.reply(message('two')))).text, 'turn 1: you said two');
  assert.deepEqual(await readdir(stateDir), []);
});

test('an unreadable history file is set aside, not deleted, and the chat goes on', async (t) => {
  const server = await startOpenAIServer();
  t.after(() => server.close());
  const stateDir = await tempDir(t);
  const file = historyFilePath(stateDir, 'default', message('x').chatId);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, '{"turns": [ this is not json');
  const log = memoryLog();
  const agent = createAgent(config(server.url), { stateDir, logger: pino(log.stream) });
  assert.equal((await collectReply(agent.reply(message('hi')))).text, 'turn 1: you said hi');
  const names = await readdir(dirname(file));
  const aside = names.find((n) => n.includes('.corrupt-'));
  assert.ok(aside, 'the broken file is kept next to the new one');
  assert.equal(await readFile(join(dirname(file), aside!), 'utf8'), '{"turns": [ this is not json');
  assert.match(log.text(), /agent history file was unreadable/);
});

test('model server down: the error names the address, the cause and what to do', async (t) => {
  const url = await deadUrl();
  const agent = createAgent(config(url), { stateDir: await tempDir(t) });
  const error = await failure(collectReply(agent.reply(message('hi'))));
  assert.equal(error.code, 'unreachable');
  assert.equal(error.agentKind, 'openai');
  assert.equal(error.message, `Nothing is answering at ${url}/v1 (connection refused).`);
  assert.match(error.nextStep, /ollama serve/);
});

test('a refused API key is reported without ever repeating the key', async (t) => {
  const server = await startOpenAIServer({ apiKey: 'sk-right' });
  t.after(() => server.close());
  const log = memoryLog();
  const logger = pino({ level: 'debug' }, log.stream);
  const agent = createAgent(config(server.url, { apiKey: 'sk-wrong-secret-123' }), { stateDir: await tempDir(t), logger });
  const error = await failure(collectReply(agent.reply(message('hi'))));
  assert.equal(error.code, 'auth');
  assert.match(error.message, /refused the request \(HTTP 401: Incorrect API key provided: \*\*\*\)/);
  // Logged the way the pipeline would log it.
  logger.warn({ err: error, agent: agent.description }, 'agent failed');
  assert.doesNotMatch(log.text() + JSON.stringify(error) + error.message + error.nextStep + agent.description, /sk-wrong-secret-123/);
  assert.match(log.text(), /"code":"auth"/);
});

test('a model the server does not have is named in the error', async (t) => {
  const server = await startOpenAIServer({ models: ['mistral'] });
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: await tempDir(t) });
  const error = await failure(collectReply(agent.reply(message('hi'))));
  assert.equal(error.code, 'model-not-found');
  assert.match(error.message, /has no model called "llama3"/);
  assert.match(error.nextStep, /ollama pull llama3/);
});

test('no answer within timeoutMs: a timeout error, and nothing remembered', async (t) => {
  const server = await startOpenAIServer({ mode: 'hang' });
  t.after(() => server.close());
  const stateDir = await tempDir(t);
  const clock = new FakeClock();
  const agent = createAgent(config(server.url, { timeoutMs: 5000 }), { stateDir, clock });
  const pending = collectReply(agent.reply(message('hi')));
  await waitFor(() => server.requests.length === 1, 'the request to reach the server');
  clock.advance(4999);
  clock.advance(1);
  const error = await failure(pending);
  assert.equal(error.code, 'timeout');
  assert.match(error.message, /did not finish answering within 5 s/);
  assert.deepEqual(clock.pending(), [], 'no timer left behind');
  assert.deepEqual(await readdir(stateDir).catch(() => []), []);
});

test('the caller cancelling (gateway stopping) ends the call with no reply at all', async (t) => {
  const server = await startOpenAIServer({ mode: 'hang' });
  t.after(() => server.close());
  const clock = new FakeClock();
  const agent = createAgent(config(server.url), { stateDir: await tempDir(t), clock });
  const controller = new AbortController();
  const pending = collectReply(agent.reply(message('hi'), { signal: controller.signal }));
  await waitFor(() => server.requests.length === 1, 'the request to reach the server');
  controller.abort(new Error('gateway stopping'));
  await assert.rejects(pending, /gateway stopping/);
  assert.deepEqual(clock.pending(), []);
});

test('an error event in the middle of the stream is a server error', async (t) => {
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'Hel' } }] })}\n\n`);
    res.end(`data: ${JSON.stringify({ error: { message: 'CUDA out of memory' } })}\n\n`);
  });
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: await tempDir(t) });
  const error = await failure(collectReply(agent.reply(message('hi'))));
  assert.equal(error.code, 'server-error');
  assert.match(error.message, /CUDA out of memory/);
});

test('a reasoning model\'s <think> block never reaches the chat, streamed or final', async (t) => {
  const server = await startOpenAIServer({ answer: () => '<think>\nThe user greets me.\n</think>\n\nHello Anna!' });
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: await tempDir(t) });
  let streamed = '';
  const reply = await collectReply(agent.reply(message('hi')), (d) => { streamed += d; });
  assert.equal(reply.text, 'Hello Anna!');
  assert.equal(streamed, 'Hello Anna!');
  assert.equal(visibleText('<thi'), '');
  assert.equal(visibleText('<b>bold</b>'), '<b>bold</b>');
});

test('what the model sees: group sender, quoted message, attachments and earlier context', () => {
  const text = formatUserMessage(message('what do you think?', {
    isGroup: true,
    chatId: '120363000000000000@g.us',
    quoted: { text: 'Pizza tonight?', fromMe: false },
    attachments: [{ kind: 'image', path: '/tmp/x.jpg', mimetype: 'image/jpeg', size: 204_800, fileName: 'menu.jpg' }],
    history: [{ senderId: '+4915200000000', senderName: 'Ben', text: 'I vote pizza', at: 1 }, { senderId: '+4917000000000', text: 'sushi!', at: 2 }],
  }));
  assert.equal(text, [
    '[Earlier messages in this group]',
    'Ben: I vote pizza',
    '+4917000000000: sushi!',
    '[End of earlier messages]',
    '[Replying to an earlier message: "Pizza tonight?"]',
    '[Attached image "menu.jpg": image/jpeg, 200 KB]',
    'Anna (+4915112345678): what do you think?',
  ].join('\n'));
  assert.equal(formatUserMessage(message('just text')), 'just text');
});

test('surrounding whitespace never reaches the chat; an empty answer is an error', async (t) => {
  const answers = ['\n\n  Hello   there.  \n\n', '   \n'];
  const server = await startOpenAIServer({ answer: () => answers.shift()!, pieceSize: 2 });
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: await tempDir(t) });
  assert.deepEqual(await collectReply(agent.reply(message('hi'))), { text: 'Hello   there.' });
  const error = await failure(collectReply(agent.reply(message('again'))));
  assert.equal(error.code, 'bad-response');
  assert.match(error.message, /returned an empty answer/);
});

test('the pipeline\'s own signal on the input cancels the call too', async (t) => {
  const server = await startOpenAIServer({ mode: 'hang' });
  t.after(() => server.close());
  const agent = createAgent(config(server.url), { stateDir: await tempDir(t), clock: new FakeClock() });
  const controller = new AbortController();
  const pending = collectReply(agent.reply(message('hi', { signal: controller.signal })));
  await waitFor(() => server.requests.length === 1, 'the request to reach the server');
  controller.abort(new Error('pipeline closed'));
  await assert.rejects(pending, /pipeline closed/);
});
