// The no-setup agent, the factory that picks an agent from settings, and collectReply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentError, DEFAULT_AUTO_REPLY, collectReply, createAgent, type AgentOutput } from '../../main/agents/index.ts';
import { message } from './helpers.ts';

const deps = { stateDir: '/nonexistent' };

test('ping gets pong, however it is typed', async () => {
  const agent = createAgent(undefined, deps);
  assert.equal(agent.kind, 'builtin');
  for (const text of ['ping', 'PING', '  Ping \n', '\tpInG']) {
    assert.deepEqual(await collectReply(agent.reply(message(text))), { text: 'pong' });
  }
});

test('anything else gets the friendly "not set up yet" auto-reply, or the configured one', async () => {
  const first = createAgent({}, deps);
  const reply = await collectReply(first.reply(message('ping please')));
  assert.equal(reply.text, DEFAULT_AUTO_REPLY);
  assert.match(DEFAULT_AUTO_REPLY, /no AI agent is set up yet/);
  assert.match(DEFAULT_AUTO_REPLY, /Clawline → Settings → Agent/);

  const custom = createAgent({ kind: 'builtin', builtin: { autoReply: 'Back on Monday!' } }, deps);
  assert.deepEqual(await collectReply(custom.reply(message('hello?'))), { text: 'Back on Monday!' });
  assert.deepEqual(await collectReply(custom.reply(message('ping'))), { text: 'pong' });
});

test('an empty auto-reply means the built-in agent stays silent (but still answers ping)', async () => {
  const agent = createAgent({ builtin: { autoReply: '' } }, deps);
  assert.deepEqual(await collectReply(agent.reply(message('hello'))), {});
  assert.deepEqual(await collectReply(agent.reply(message('ping'))), { text: 'pong' });
});

test('createAgent refuses bad settings with the key to fix', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ kind: 'openai', openai: {} }, /clawline\.agent\.openai\.model is not set/],
    [{ kind: 'openai', openai: { model: 'x', baseUrl: 'ftp://host/v1' } }, /clawline\.agent\.openai\.baseUrl must start with http:\/\/ or https:\/\//],
    [{ kind: 'openai', openai: { model: 'x', timeoutMs: -1 } }, /clawline\.agent\.openai\.timeoutMs must be a positive number of milliseconds \(found -1\)/],
    [{ kind: 'openai', openai: { model: 'x', historyTurns: 2.5 } }, /clawline\.agent\.openai\.historyTurns must be a whole number/],
    [{ kind: 'webhook', webhook: { url: '' } }, /clawline\.agent\.webhook\.url is not set/],
    [{ kind: 'command', command: {} }, /clawline\.agent\.command\.command is not set/],
    [{ kind: 'command', command: { command: 'bot', args: 'one two' } }, /clawline\.agent\.command\.args must be a list of words/],
    [{ kind: 'gpt' }, /clawline\.agent\.kind is "gpt", which Clawline does not know/],
  ];
  for (const [config, expected] of cases) {
    assert.throws(() => createAgent(config as never, deps), (err: unknown) => {
      assert.ok(err instanceof AgentError);
      assert.equal(err.code, 'not-configured');
      assert.match(err.message, expected);
      return true;
    });
  }
});

test('each agent describes itself without secrets', () => {
  const openai = createAgent({ kind: 'openai', openai: { baseUrl: 'http://user:pw@127.0.0.1:11434/v1', model: 'llama3', apiKey: 'sk-1234' } }, deps);
  assert.equal(openai.description, 'openai llama3 at http://127.0.0.1:11434/v1');
  const webhook = createAgent({ kind: 'webhook', webhook: { url: 'https://hooks.example.com/in?token=abc', secret: 'x' } }, deps);
  assert.equal(webhook.description, 'webhook https://hooks.example.com/in');
  const command = createAgent({ kind: 'command', command: { command: '/usr/bin/bot', args: ['--token', 'abc'] } }, deps);
  assert.equal(command.description, 'command /usr/bin/bot');
});

test('collectReply merges parts the way the pipeline does', async () => {
  async function* stream(parts: AgentOutput[]) { yield* parts; }
  const seen: string[] = [];
  const media = { kind: 'image' as const, path: '/tmp/a.jpg', mimetype: 'image/jpeg' };
  const reply = await collectReply(stream([{ text: 'He' }, { reaction: '👀' }, { text: 'llo', media: [media] }, { reaction: '👍' }]), (d) => seen.push(d));
  assert.deepEqual(reply, { text: 'Hello', media: [media], reaction: '👍' });
  assert.deepEqual(seen, ['He', 'llo']);
  assert.deepEqual(await collectReply(stream([])), {}, 'no parts: no reply');
});
