import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLinesBackward, tailLogs } from '../../main/logs/index.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'clawline-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const line = (time: number, level: string, subsystem: string, accountId: string, msg: string) =>
  `${JSON.stringify({ level, time, pid: 1, subsystem, accountId, msg })}\n`;

/**
 * Three days of logs: an old day, then a day with a 12 MB rotated piece (mostly store noise)
 * and a small live file. Times increase through the files in chronological order.
 */
function seedLogs(dir: string): { bigSize: number } {
  writeFileSync(join(dir, 'clawline-2025-01-29.log'), [
    line(1, 'warn', 'connection', 'work', 'old reconnect warning'),
    line(2, 'info', 'inbound', 'work', 'old inbound'),
  ].join(''));

  const big = openSync(join(dir, 'clawline-2025-01-30.log.1'), 'w');
  writeSync(big, line(10, 'error', 'access', 'default', 'first line of the big file'));
  const noise = line(11, 'debug', 'store', 'default', 'flushed creds batch '.padEnd(200, '.')).repeat(1000);
  for (let i = 0; i < 60; i++) writeSync(big, noise); // ~12 MB
  writeSync(big, 'plain text from an older tool\n');
  writeSync(big, line(20, 'info', 'inbound', 'default', 'Inbound message from +A (direct, 5 chars)'));
  closeSync(big);

  writeFileSync(join(dir, 'clawline-2025-01-30.log'), [
    line(30, 'info', 'connection', 'default', 'connected'),
    line(31, 'warn', 'outbound', 'work', 'send retry'),
    line(32, 'info', 'agent', 'default', 'agent replied'),
  ].join(''));
  writeFileSync(join(dir, 'unrelated.txt'), 'not a log\n');
  return { bigSize: statSync(join(dir, 'clawline-2025-01-30.log.1')).size };
}

test('tail returns the newest lines across files, oldest first, reading only the end of a big file', async (t) => {
  const dir = tempDir(t);
  const { bigSize } = seedLogs(dir);

  const result = await tailLogs({ logsDir: dir, limit: 5 });
  assert.deepEqual(result.entries.map((e) => e.msg), [
    'plain text from an older tool',
    'Inbound message from +A (direct, 5 chars)',
    'connected',
    'send retry',
    'agent replied',
  ]);
  const plain = result.entries[0]!;
  assert.deepEqual({ level: plain.level, fields: plain.fields, time: plain.time }, { level: 'info', fields: {}, time: undefined }, 'non-JSON lines come through as info');
  assert.equal(result.reachedStart, false);
  assert.ok(bigSize > 10 * 1024 * 1024);
  assert.ok(result.bytesRead < 256 * 1024, `read ${result.bytesRead} bytes of a ${bigSize}-byte file for 5 lines`);
  assert.deepEqual(result.cursor && { name: result.cursor.name, offset: result.cursor.offset }, { name: 'clawline-2025-01-30.log', offset: statSync(join(dir, 'clawline-2025-01-30.log')).size });
});

test('tail filters by level, subsystem, account and text, scanning past non-matching files', async (t) => {
  const dir = tempDir(t);
  seedLogs(dir);

  const warnings = await tailLogs({ logsDir: dir, limit: 10, level: 'warn' });
  assert.deepEqual(warnings.entries.map((e) => e.msg), ['old reconnect warning', 'first line of the big file', 'send retry']);
  assert.equal(warnings.reachedStart, true);

  const work = await tailLogs({ logsDir: dir, limit: 10, accountId: 'work' });
  assert.deepEqual(work.entries.map((e) => e.msg), ['old reconnect warning', 'old inbound', 'send retry']);

  const inbound = await tailLogs({ logsDir: dir, limit: 1, subsystem: 'inbound' });
  assert.deepEqual(inbound.entries.map((e) => `${e.accountId} ${e.msg}`), ['default Inbound message from +A (direct, 5 chars)']);

  const search = await tailLogs({ logsDir: dir, limit: 10, search: 'PLAIN TEXT' });
  assert.deepEqual(search.entries.map((e) => e.msg), ['plain text from an older tool']);

  const both = await tailLogs({ logsDir: dir, limit: 10, subsystem: 'connection', level: 'warn' });
  assert.deepEqual(both.entries.map((e) => e.msg), ['old reconnect warning']);
});

test('tail stops at maxScanBytes when filters match little', async (t) => {
  const dir = tempDir(t);
  seedLogs(dir);
  const result = await tailLogs({ logsDir: dir, limit: 10, subsystem: 'config', maxScanBytes: 1024 * 1024 });
  assert.deepEqual(result.entries, []);
  assert.equal(result.reachedStart, false);
  assert.ok(result.bytesRead < 2 * 1024 * 1024);
});

test('tail of a missing log directory is empty, not an error', async (t) => {
  const result = await tailLogs({ logsDir: join(tempDir(t), 'nope'), limit: 10 });
  assert.deepEqual(result, { entries: [], bytesRead: 0, reachedStart: true, cursor: undefined });
});

test('reading backwards in tiny chunks gives the same lines, multi-byte text intact', async (t) => {
  const dir = tempDir(t);
  const lines = ['first', '', 'ünïcödé ✓ 日本語 😀 spans chunks', 'x'.repeat(50), 'last without newline'];
  const path = join(dir, 'f.log');
  writeFileSync(path, lines.join('\n'));
  for (const chunk of [1, 3, 7, 64 * 1024]) {
    const got: string[] = [];
    for await (const l of readLinesBackward(path, statSync(path).size, { bytesRead: 0 }, chunk)) got.push(l);
    assert.deepEqual(got.reverse(), lines, `chunk size ${chunk}`);
  }
  writeFileSync(path, 'a\nb\n');
  const got: string[] = [];
  for await (const l of readLinesBackward(path, statSync(path).size)) got.push(l);
  assert.deepEqual(got, ['b', 'a'], 'a final newline does not make an empty last line');
});
