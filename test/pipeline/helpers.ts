// The message pipeline end to end: a real Gateway on the simulator (test/gateway/helpers.ts),
// linked, answering through the command agent in fixtures/agent.mjs, plus ways to wait for what
// happened to one inbound message without sleeping.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayHarness, type GatewayHarness } from '../gateway/helpers.ts';
import type { Gateway } from '../../main/gateway.ts';
import { statePaths } from '../../main/shared/state-dir.ts';
import type { Inbox, InboxMessage, SimulatorOptions } from '../../sim/index.ts';

export const AGENT_SCRIPT = fileURLToPath(new URL('./fixtures/agent.mjs', import.meta.url));

interface TestContext {
  after(fn: () => Promise<void> | void): void;
}

export interface PipelineHarness extends GatewayHarness {
  /** Where the fixture agent records its calls (calls.jsonl) and markers. */
  agentDir: string;
  /** Every message the agent was called with, in order. */
  agentCalls(): Promise<AgentCall[]>;
  /** Our account as the simulator knows it. */
  self: { phone: string; jid: string; lid: string };
}

export interface AgentCall {
  messageId: string;
  chatId: string;
  text: string;
  isGroup: boolean;
  sender: { id: string; jid: string; name?: string };
  attachments: { kind: string; path: string; mimetype: string; size: number; fileName?: string }[];
  quoted?: { text: string; fromMe: boolean };
  history?: { senderId: string; text: string }[];
}

/**
 * The `channels.whatsapp` and `clawline` sections as JSON5 text, with the fixture agent set up
 * (any `clawline` keys given are merged over it).
 */
export function pipelineConfig(agentDir: string, whatsapp: Record<string, unknown>, clawline: Record<string, unknown> = {}): string {
  return JSON.stringify({
    channels: { whatsapp },
    clawline: { agent: { kind: 'command', command: { command: process.execPath, args: [AGENT_SCRIPT, agentDir] } }, ...clawline },
  }, null, 2);
}

/** A gateway on the simulator with the fixture agent, linked and ready. */
export async function pipelineHarness(
  t: TestContext,
  opts: { whatsapp?: Record<string, unknown>; clawline?: Record<string, unknown>; sim?: SimulatorOptions; link?: boolean } = {},
): Promise<PipelineHarness> {
  const agentDir = await mkdtemp(join(tmpdir(), 'clw-agent-'));
  // Registered first, so it runs after the harness has stopped the gateway (hooks run in reverse).
  t.after(() => rm(agentDir, { recursive: true, force: true }));
  const base = await gatewayHarness(t, {
    config: pipelineConfig(agentDir, opts.whatsapp ?? {}, opts.clawline),
    sim: opts.sim,
    // Debug lines carry each message's outcome (dropped, skipped, finished), which the tests wait on.
    gateway: { logLevel: 'debug' },
  });
  if (opts.link !== false) {
    await base.link();
    await waitInitialSync(base.stateDir);
  }
  const account = base.sim.state().accounts[0];
  const h = base as PipelineHarness;
  h.agentDir = agentDir;
  h.self = account ? { phone: account.phone, jid: account.jid, lid: account.lid } : { phone: '', jid: '', lid: '' };
  h.agentCalls = () => readCalls(agentDir);
  return h;
}

/**
 * Waits until Baileys has finished the first sync after linking and saved that in creds.json
 * (accountSyncCounter >= 1). The simulator calls the device ready a moment earlier; a gateway
 * stopped inside that moment makes Baileys' next connection hold every event for 20 s waiting
 * for a history sync the phone sends only once (Baileys 7.0.0-rc14, Socket/chats.js).
 */
export async function waitInitialSync(stateDir: string, accountId = 'default', timeoutMs = 15_000): Promise<void> {
  const file = join(statePaths(stateDir).accountAuthDir(accountId), 'creds.json');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (/"accountSyncCounter"\s*:\s*[1-9]/.test(text)) return;
    if (Date.now() > deadline) throw new Error(`Baileys did not finish its first sync within ${timeoutMs} ms (${file})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function readCalls(agentDir: string): Promise<AgentCall[]> {
  let text = '';
  try {
    text = await readFile(join(agentDir, 'calls.jsonl'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AgentCall);
}

/** How the pipeline finished with one inbound message (from its log lines). */
export interface Outcome {
  /** replied, dropped:<reason>, pairing-requested, stale, refused:..., failed:..., or skipped:<reason>. */
  outcome: string;
  fields: Record<string, unknown>;
}

/**
 * Resolves with the outcome of `messageId` once the gateway has finished with it: the journal's
 * "finished" line, or the screening's "skipped" line (duplicates, echoes); `only` picks one of
 * the two, `skippedReason` a skip for that reason. Lines already in memory are checked first.
 */
export function waitOutcome(gateway: Gateway, messageId: string, opts: { timeoutMs?: number; only?: 'finished' | 'skipped'; skippedReason?: string } = {}): Promise<Outcome> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const only = opts.only ?? (opts.skippedReason ? 'skipped' : undefined);
  const match = (fields: Record<string, unknown>, msg: string): Outcome | undefined => {
    if (fields.messageId !== messageId) return undefined;
    if (msg === 'inbound message finished' && only !== 'skipped') return { outcome: String(fields.outcome), fields };
    if (msg === 'inbound message skipped' && only !== 'finished' && (!opts.skippedReason || fields.reason === opts.skippedReason)) {
      return { outcome: `skipped:${String(fields.reason)}`, fields };
    }
    return undefined;
  };
  return new Promise((resolve, reject) => {
    let off = () => {};
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no outcome for message ${messageId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (o: Outcome) => {
      clearTimeout(timer);
      off();
      resolve(o);
    };
    off = gateway.logs.subscribe((entry) => {
      const hit = match(entry.fields, entry.msg);
      if (hit) done(hit);
    });
    for (const entry of gateway.logs.recent({ limit: 2000 })) {
      const hit = match(entry.fields, entry.msg);
      if (hit) return done(hit);
    }
  });
}

/** A contact's received texts (in arrival order). */
export function texts(inbox: Readonly<Inbox>): string[] {
  return inbox.messages.map((m) => m.text ?? '');
}

/** Messages in the contact's inbox whose text matches. */
export function received(inbox: Readonly<Inbox>, match: RegExp | string): InboxMessage[] {
  return inbox.messages.filter((m) => (typeof match === 'string' ? m.text === match : match.test(m.text ?? '')));
}

/** The pairing-code reply every stranger gets under dmPolicy "pairing". */
export const PAIRING_REPLY = /clawline pairing approve [A-HJ-NP-Z2-9]{8}/;

/** Sends `text` from a contact and waits until the gateway has finished with it. */
export async function sendAndSettle(h: PipelineHarness, contactId: string, spec: Parameters<PipelineHarness['sim']['send']>[1]): Promise<{ messageId: string; outcome: Outcome }> {
  const { messageId } = await h.sim.send(contactId, spec);
  const outcome = await waitOutcome(h.gateway, messageId);
  return { messageId, outcome };
}

export function assertNoReply(inbox: Readonly<Inbox>, before: number, what: string): void {
  assert.deepEqual(texts(inbox).slice(before), [], `${what}: expected no reply`);
}
