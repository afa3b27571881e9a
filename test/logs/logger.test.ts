import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SocketConfig } from '@whiskeysockets/baileys';
import { FakeClock } from '../../main/shared/clock.ts';
import { baileysLogger, createLogger, type LogEntry } from '../../main/logs/index.ts';

const JAN_31_NOON = new Date(2025, 0, 31, 12, 0, 0).getTime();

function tempState(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'clawline-logger-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function fileLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('lines are JSON objects with subsystem and accountId in the day file, private to the user', async (t) => {
  const stateDir = tempState(t);
  const clock = new FakeClock(JAN_31_NOON);
  const logs = createLogger({ stateDir, level: 'info', clock });
  const conn = logs.child('connection', { accountId: 'work' });
  conn.info({ attempt: 2 }, 'connected');
  conn.debug('too chatty for info');
  logs.child('access').warn('blocked a stranger');
  await logs.close();

  const path = join(stateDir, 'logs', 'clawline-2025-01-31.log');
  assert.equal(logs.currentFile(), path);
  const lines = fileLines(path);
  assert.equal(lines.length, 2, 'debug is below info and not written');
  assert.deepEqual(
    { level: lines[0]!.level, time: lines[0]!.time, subsystem: lines[0]!.subsystem, accountId: lines[0]!.accountId, msg: lines[0]!.msg, attempt: lines[0]!.attempt },
    { level: 'info', time: JAN_31_NOON, subsystem: 'connection', accountId: 'work', msg: 'connected', attempt: 2 },
  );
  assert.equal(lines[1]!.subsystem, 'access');
  assert.equal(lines[1]!.level, 'warn');
  assert.equal('hostname' in lines[0]!, false, 'no hostname in lines that may be exported');
  if (process.platform !== 'win32') {
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(stateDir, 'logs')).mode & 0o777, 0o700);
  }
});

test('credentials never reach the file, whatever shape they come in', async (t) => {
  const stateDir = tempState(t);
  const logs = createLogger({ stateDir, clock: new FakeClock(JAN_31_NOON) });
  const agent = logs.child('agent', { accountId: 'default' });
  const config = { provider: 'anthropic', apiKey: 'sk-ant-api03-SECRETSECRETSECRET1', nested: { deep: { Password: 'hunter2-pass' } } };
  agent.info({ config, authorization: 'Bearer abc.def.ghi-TOKEN123' }, 'calling the agent with Bearer eyTOKENVALUE1234');
  agent.error(new Error('request failed: token=tok_live_998877 rejected'));
  agent.warn({ creds: { noiseKey: { private: Buffer.alloc(32, 7) }, advSecretKey: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTIzNA==' } }, 'creds loaded');
  agent.info('signal key q3Xv9Lr2mN8sT1uW4yZ7bC0dE5fG6hJ+kP/aQ9rS2tU= stored; file /home/user/.openclaw/credentials/whatsapp/default/creds.json kept');
  logs.logger.child({ subsystem: 'control', token: 'control-token-abcdef' }).info('client connected');
  await logs.close();

  const text = readFileSync(logs.currentFile()!, 'utf8');
  for (const secret of ['SECRETSECRET', 'hunter2', 'abc.def.ghi', 'eyTOKENVALUE1234', 'tok_live_998877', 'c2VjcmV0c2Vj', 'control-token-abcdef', 'q3Xv9Lr2mN8sT1uW']) {
    assert.ok(!text.includes(secret), `"${secret}" leaked into the log:\n${text}`);
  }
  const lines = fileLines(logs.currentFile()!);
  assert.equal((lines[0]!.config as { apiKey: string }).apiKey, '[redacted]');
  assert.equal((lines[0]!.config as { provider: string }).provider, 'anthropic', 'ordinary fields stay');
  assert.equal(lines[0]!.authorization, '[redacted]');
  assert.equal(lines[2]!.creds, '[redacted]');
  assert.match(String(lines[3]!.msg), /file \/home\/user\/\.openclaw\/credentials\/whatsapp\/default\/creds\.json kept/, 'paths are not mistaken for keys');
  assert.equal(lines[4]!.token, '[redacted]');
  assert.equal(lines[4]!.subsystem, 'control');
  assert.equal((lines[1]!.err as { type: string }).type, 'Error', 'errors keep their type and stack');
  assert.match(String((lines[1]!.err as { stack: string }).stack), /request failed/);
  assert.equal(config.apiKey, 'sk-ant-api03-SECRETSECRETSECRET1', 'the caller\'s object is not modified');
});

test('Baileys is gated at its own quieter level, and setLevel keeps that floor', async (t) => {
  const stateDir = tempState(t);
  const logs = createLogger({ stateDir, level: 'info', clock: new FakeClock(JAN_31_NOON) });
  const baileys = baileysLogger(logs.logger, 'warn', { accountId: 'default' });
  // Baileys types its option as its ILogger; ours must be accepted as is.
  const asSocketOption: SocketConfig['logger'] = baileys;
  const socketChild = asSocketOption.child({ class: 'baileys' });
  asSocketOption.debug({ node: 'iq' }, 'xml send');
  socketChild.info('connected to WA');
  socketChild.warn({ attrs: { code: '515' } }, 'stream errored out');
  baileys.error('decrypt failed');

  const conn = logs.child('connection', { accountId: 'default' });
  logs.setLevel('debug');
  conn.debug('now visible');
  socketChild.debug('still hidden');
  baileys.debug('still hidden');
  assert.equal(baileys.level, 'warn');
  await logs.close();

  const lines = fileLines(logs.currentFile()!);
  assert.deepEqual(lines.map((l) => [l.subsystem, l.level, l.msg]), [
    ['baileys', 'warn', 'stream errored out'],
    ['baileys', 'error', 'decrypt failed'],
    ['connection', 'debug', 'now visible'],
  ]);
  assert.equal(lines[0]!.class, 'baileys');
  assert.equal(lines[0]!.accountId, 'default');
  assert.throws(() => logs.setLevel('loud' as never), /unknown level "loud"/);
});

test('the in-memory ring keeps only the newest lines, filters them, and feeds live listeners', async (t) => {
  const stateDir = tempState(t);
  const logs = createLogger({ stateDir, files: false, ringSize: 5, clock: new FakeClock(JAN_31_NOON) });
  const seen: LogEntry[] = [];
  const unsubscribe = logs.subscribe((e) => seen.push(e));
  const inbound = logs.child('inbound', { accountId: 'a' });
  const outbound = logs.child('outbound', { accountId: 'b' });
  for (let i = 1; i <= 12; i++) (i % 2 ? inbound : outbound).info(`line ${i}`);
  unsubscribe();
  inbound.warn('after unsubscribe');

  const recent = logs.recent();
  assert.equal(recent.length, 5, 'bounded at ringSize');
  assert.deepEqual(recent.map((e) => e.msg), ['line 9', 'line 10', 'line 11', 'line 12', 'after unsubscribe']);
  assert.deepEqual(logs.recent({ subsystem: 'inbound', limit: 2 }).map((e) => e.msg), ['line 11', 'after unsubscribe']);
  assert.deepEqual(logs.recent({ level: 'warn' }).map((e) => e.msg), ['after unsubscribe']);
  assert.equal(seen.length, 12);
  assert.deepEqual({ subsystem: seen[0]!.subsystem, accountId: seen[0]!.accountId, msg: seen[0]!.msg }, { subsystem: 'inbound', accountId: 'a', msg: 'line 1' });
  assert.equal(logs.currentFile(), undefined);
  assert.deepEqual(readdirSync(stateDir), [], 'files: false writes nothing');
  await logs.close();
});

test('console output is one readable line per entry', async (t) => {
  const stateDir = tempState(t);
  const printed: string[] = [];
  const logs = createLogger({ stateDir, files: false, console: { write: (s: string) => printed.push(s) }, clock: new FakeClock(new Date(2025, 0, 31, 9, 5, 7, 12).getTime()) });
  logs.child('linking', { accountId: 'default' }).info({ method: 'qr' }, 'waiting for scan');
  await logs.close();
  assert.deepEqual(printed, ['09:05:07.012 INFO  [linking default] waiting for scan method=qr\n']);
});
