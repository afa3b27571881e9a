// The command agent with real child processes (small node scripts in fixtures/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock } from '../../main/shared/clock.ts';
import { collectReply, createAgent, type AgentConfig } from '../../main/agents/index.ts';
import { failure, message, tempDir, waitFor } from './helpers.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const node = process.execPath;

function config(script: string, args: string[] = [], timeoutMs?: number): AgentConfig {
  return { kind: 'command', command: { command: node, args: [join(fixtures, script), ...args], ...(timeoutMs ? { timeoutMs } : {}) } };
}

/** Gone, or a zombie waiting to be reaped (it runs no more code either way). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('runs the program with the message as JSON on stdin and replies with its stdout', async () => {
  const agent = createAgent(config('upper.mjs'), { stateDir: '/nonexistent' });
  assert.deepEqual(await collectReply(agent.reply(message('hello, world'))), { text: 'HELLO, WORLD' });
});

test('the message is also in the environment; shell syntax in it stays plain text', async () => {
  const agent = createAgent(config('upper.mjs', ['--env']), { stateDir: '/nonexistent' });
  const text = 'hi $(touch /tmp/clawline-pwned) `id` ; rm -rf ~';
  const reply = await collectReply(agent.reply(message(text, { isGroup: true, chatId: '120363000000000000@g.us' })));
  assert.equal(reply.text, `${text}|+4915112345678|120363000000000000@g.us|1`);
  assert.equal(existsSync('/tmp/clawline-pwned'), false);
});

test('stdin carries the documented JSON message', async () => {
  const agent = createAgent(config('upper.mjs', ['--json']), { stateDir: '/nonexistent' });
  const input = message('hi', { signal: new AbortController().signal, history: [{ senderId: '+4917000000000', text: 'earlier', at: 1 }] });
  const reply = await collectReply(agent.reply(input));
  assert.deepEqual(JSON.parse(reply.text!), {
    accountId: 'default', chatId: input.chatId, messageId: input.messageId, sender: input.sender, isGroup: false, text: 'hi', attachments: [],
    history: [{ senderId: '+4917000000000', text: 'earlier', at: 1 }],
  });
});

test('no output means no reply, even when the program ignores stdin', async () => {
  const agent = createAgent(config('silent.mjs'), { stateDir: '/nonexistent' });
  assert.deepEqual(await collectReply(agent.reply(message('hello'))), {});
});

test('a non-zero exit is an error with the stderr excerpt (its stdout is not used)', async () => {
  const agent = createAgent(config('fail.mjs'), { stateDir: '/nonexistent' });
  const error = await failure(collectReply(agent.reply(message('hello'))));
  assert.equal(error.code, 'exit-code');
  assert.equal(error.status, 1);
  assert.match(error.message, /failed \(exit code 1\): Traceback: model file missing: \/models\/bot\.gguf/);
  assert.match(error.nextStep, /Run it yourself/);
});

test('on timeout the whole process tree is killed', async (t) => {
  const dir = await tempDir(t);
  const pidFile = join(dir, 'pids.json');
  const clock = new FakeClock();
  const agent = createAgent(config('sleep.mjs', [pidFile], 15_000), { stateDir: dir, clock });
  const pending = collectReply(agent.reply(message('hello')));
  await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 'the program to start its grandchild');
  const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { child: number; grandchild: number };
  assert.equal(isGone(pids.grandchild), false);

  clock.advance(15_000);
  const error = await failure(pending);
  assert.equal(error.code, 'timeout');
  assert.match(error.message, /did not finish within 15 s, so it was stopped/);
  await waitFor(() => isGone(pids.child) && isGone(pids.grandchild), 'the program and its grandchild to die');
});

test('the caller cancelling kills the program and gives no reply', async (t) => {
  const dir = await tempDir(t);
  const pidFile = join(dir, 'pids.json');
  const agent = createAgent(config('sleep.mjs', [pidFile]), { stateDir: dir, clock: new FakeClock() });
  const controller = new AbortController();
  const pending = collectReply(agent.reply(message('hello'), { signal: controller.signal }));
  await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 'the program to start');
  const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { child: number; grandchild: number };
  controller.abort(new Error('gateway stopping'));
  await assert.rejects(pending, /gateway stopping/);
  await waitFor(() => isGone(pids.child) && isGone(pids.grandchild), 'the program tree to die');
});

test('output beyond the cap stops the program and is reported', async () => {
  const agent = createAgent(config('big.mjs'), { stateDir: '/nonexistent' });
  const error = await failure(collectReply(agent.reply(message('hello'))));
  assert.equal(error.code, 'output-too-large');
  assert.match(error.message, /printed more than 256 KB/);
});

test('a program that does not exist is explained', async () => {
  const agent = createAgent({ kind: 'command', command: { command: '/nonexistent/clawline-bot' } }, { stateDir: '/nonexistent' });
  const error = await failure(collectReply(agent.reply(message('hello'))));
  assert.equal(error.code, 'spawn-failed');
  assert.match(error.message, /Could not start "\/nonexistent\/clawline-bot": there is no such program/);
  assert.match(error.nextStep, /full path/);
});
