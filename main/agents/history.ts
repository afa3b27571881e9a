// Per-chat conversation memory for the OpenAI-compatible agent, so the model remembers what
// was said across messages and across restarts. One small JSON file per chat:
//   <stateDir>/clawline/agent-history/<accountId>/<sha256(chatId)[0..32]>.json
// (hashed so a JID never has to be a file name), written atomically, bounded in turns and
// characters. Only successful exchanges are stored: the model never sees our error notes.
import { createHash } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import type { Clock } from '../shared/clock.ts';
import { statePaths } from '../shared/state-dir.ts';
import type { AgentLogger } from './types.ts';

export interface HistoryTurn {
  role: 'user' | 'assistant';
  content: string;
  /** Epoch ms. */
  at: number;
}

interface HistoryFile {
  version: 1;
  accountId: string;
  chatId: string;
  turns: HistoryTurn[];
}

export const DEFAULT_HISTORY_TURNS = 20;
/** Keeps the prompt well inside small local models' context windows (~8k tokens). */
export const DEFAULT_HISTORY_MAX_CHARS = 24_000;

export function agentHistoryDir(stateDir: string): string {
  return join(statePaths(stateDir).clawline, 'agent-history');
}

const SAFE_ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

function accountHistoryDir(stateDir: string, accountId: string): string {
  const account = SAFE_ACCOUNT_ID.test(accountId) ? accountId : `id-${sha256(accountId).slice(0, 16)}`;
  return join(agentHistoryDir(stateDir), account);
}

export function historyFilePath(stateDir: string, accountId: string, chatId: string): string {
  return join(accountHistoryDir(stateDir, accountId), `${sha256(chatId).slice(0, 32)}.json`);
}

/**
 * Keeps the newest exchanges: at most maxTurns user+assistant pairs and maxChars characters,
 * always starting at a user message so the model never sees an answer without its question.
 */
export function trimHistory(turns: HistoryTurn[], maxTurns: number, maxChars: number): HistoryTurn[] {
  if (maxTurns <= 0) return [];
  const kept = turns.slice(-maxTurns * 2);
  let chars = kept.reduce((n, t) => n + t.content.length, 0);
  while (kept.length && (chars > maxChars || kept[0]!.role !== 'user')) chars -= kept.shift()!.content.length;
  return kept;
}

/** Deletes stored conversations: one account's, or all of them. */
export async function clearAgentHistory(stateDir: string, accountId?: string): Promise<void> {
  const target = accountId === undefined ? agentHistoryDir(stateDir) : accountHistoryDir(stateDir, accountId);
  await rm(target, { recursive: true, force: true });
}

// Read-modify-write per file is serialized process-wide (also across agent instances after a
// settings change), so two replies in one chat never drop each other's turns.
const fileQueues = new Map<string, Promise<unknown>>();
function serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = fileQueues.get(key) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => {});
  fileQueues.set(key, tail);
  void tail.then(() => { if (fileQueues.get(key) === tail) fileQueues.delete(key); });
  return run;
}

export interface ChatHistoryOptions {
  stateDir: string;
  clock: Clock;
  logger?: AgentLogger;
  maxTurns: number;
  maxChars: number;
}

export class ChatHistoryStore {
  constructor(private readonly opts: ChatHistoryOptions) {}

  /** The stored turns, already bounded; [] for a new chat or an unreadable file (set aside). */
  async load(accountId: string, chatId: string): Promise<HistoryTurn[]> {
    if (this.opts.maxTurns <= 0) return [];
    const path = historyFilePath(this.opts.stateDir, accountId, chatId);
    return serialized(path, async () => trimHistory(await this.read(path), this.opts.maxTurns, this.opts.maxChars));
  }

  /** Adds turns (normally one question and its answer) and rewrites the file within bounds. */
  async append(accountId: string, chatId: string, turns: HistoryTurn[]): Promise<void> {
    if (this.opts.maxTurns <= 0) return;
    const path = historyFilePath(this.opts.stateDir, accountId, chatId);
    await serialized(path, async () => {
      const next = trimHistory([...(await this.read(path)), ...turns], this.opts.maxTurns, this.opts.maxChars);
      const file: HistoryFile = { version: 1, accountId, chatId, turns: next };
      await writeFileAtomic(path, JSON.stringify(file, null, 2) + '\n');
    });
  }

  private async read(path: string): Promise<HistoryTurn[]> {
    let raw: string;
    try {
      raw = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    try {
      const parsed = JSON.parse(raw) as Partial<HistoryFile>;
      if (!Array.isArray(parsed.turns)) throw new Error('no "turns" list');
      return parsed.turns.filter(isTurn);
    } catch (err) {
      // Never delete what we cannot read: move it aside and start the chat afresh.
      const aside = `${path}.corrupt-${this.opts.clock.now()}`;
      await rename(path, aside).catch(() => {});
      this.opts.logger?.warn({ file: path, movedTo: aside, err: (err as Error).message }, 'agent history file was unreadable; set it aside and started this chat afresh');
      return [];
    }
  }
}

function isTurn(t: unknown): t is HistoryTurn {
  const turn = t as HistoryTurn;
  return !!turn && (turn.role === 'user' || turn.role === 'assistant') && typeof turn.content === 'string' && typeof turn.at === 'number';
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
