// Bounding and clearing the per-chat conversation memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { FakeClock } from '../../main/shared/clock.ts';
import { agentHistoryDir, clearAgentHistory } from '../../main/agents/index.ts';
import { ChatHistoryStore, historyFilePath, trimHistory, type HistoryTurn } from '../../main/agents/history.ts';
import { tempDir } from './helpers.ts';

const turn = (role: 'user' | 'assistant', content: string): HistoryTurn => ({ role, content, at: 0 });
const pairs = (n: number, size = 10): HistoryTurn[] =>
  Array.from({ length: n }, (_, i) => [turn('user', `q${i}`.padEnd(size, '.')), turn('assistant', `a${i}`.padEnd(size, '.'))]).flat();

test('trimHistory keeps the newest exchanges within turns and characters, starting at a question', () => {
  const names = (ts: HistoryTurn[]) => ts.map((t) => t.content.replace(/\.+$/, ''));
  assert.deepEqual(names(trimHistory(pairs(5), 2, 10_000)), ['q3', 'a3', 'q4', 'a4']);
  assert.deepEqual(names(trimHistory(pairs(5), 10, 45)), ['q3', 'a3', 'q4', 'a4'], '4 x 10 chars fit in 45, 6 do not');
  assert.deepEqual(names(trimHistory(pairs(5), 10, 5)), [], 'a single exchange longer than the cap is dropped');
  assert.deepEqual(names(trimHistory(pairs(3), 0, 10_000)), []);
  assert.deepEqual(names(trimHistory([turn('assistant', 'orphan'), ...pairs(1)], 5, 10_000)), ['q0', 'a0'], 'never starts with an answer');
});

test('concurrent replies in one chat never lose each other\'s turns', async (t) => {
  const stateDir = await tempDir(t);
  const store = new ChatHistoryStore({ stateDir, clock: new FakeClock(), maxTurns: 50, maxChars: 100_000 });
  await Promise.all(Array.from({ length: 10 }, (_, i) => store.append('default', 'chat@s.whatsapp.net', [turn('user', `q${i}`), turn('assistant', `a${i}`)])));
  const turns = await store.load('default', 'chat@s.whatsapp.net');
  assert.equal(turns.length, 20);
  assert.deepEqual(new Set(turns.filter((x) => x.role === 'user').map((x) => x.content)), new Set(Array.from({ length: 10 }, (_, i) => `q${i}`)));
});

test('clearAgentHistory removes one account\'s conversations, or all', async (t) => {
  const stateDir = await tempDir(t);
  const store = new ChatHistoryStore({ stateDir, clock: new FakeClock(), maxTurns: 5, maxChars: 1000 });
  await store.append('work', 'a@s.whatsapp.net', pairs(1));
  await store.append('home', 'b@s.whatsapp.net', pairs(1));
  await clearAgentHistory(stateDir, 'work');
  assert.equal(existsSync(historyFilePath(stateDir, 'work', 'a@s.whatsapp.net')), false);
  assert.equal(existsSync(historyFilePath(stateDir, 'home', 'b@s.whatsapp.net')), true);
  await clearAgentHistory(stateDir);
  assert.equal(existsSync(agentHistoryDir(stateDir)), false);
});
