// Crash suite: SIGKILL a side at random moments while contacts write to it at a fixed rate
// (benchmark-method.md: during start-up, right after `open`, under load - the last only once the
// backlog of the previous restart has drained, at most 6 s), restart it each time,
// and check that every state file still parses, no new QR is needed, and every message sent in
// the run is answered exactly once. Replies are "pong <message id>" (Clawline's webhook agent,
// the baseline's echo), so each one is attributed to its question.
// SIGKILL keeps the page cache: this cannot show what a power cut does to writes made without
// fsync (the baseline's), so the baseline's figures here are a lower bound.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import type { ChildConfig, Side } from '../child/protocol.ts';
import { startLinked, type LinkedSide } from '../lib/link.ts';
import { EchoTracker, closedLoop, type LoadContact } from '../lib/load.ts';
import type { Progress } from '../lib/progress.ts';
import { seededRandom, sleep, uniform, within } from '../lib/random.ts';
import { spawnSide, type ChildScripts, type SideProcess } from '../lib/sides.ts';
import { authDirOf, checkAuthDir, tempDir, writeClawlineConfig } from '../lib/state.ts';
import { startEchoWebhook, type EchoWebhook } from '../lib/webhook.ts';

export interface CrashOptions {
  side: Side;
  kills: number;
  contacts: number;
  /** Offered messages per second over all contacts. */
  ratePerSec: number;
  seed: number;
  /** How long the final drain may go without a new reply. */
  drainStallMs: number;
  scripts: ChildScripts;
  progress: Progress;
  gatewayCpu?: number;
}

export interface MessageClasses {
  sent: number;
  /** The side sent a read receipt: it accepted the message. */
  accepted: number;
  answeredOnce: number;
  answeredTwice: number;
  /** No reply, but the side had acknowledged (delivery receipt): the server will not redeliver it. */
  lostAfterAck: number;
  /** No reply and never acknowledged. */
  lostBeforeAck: number;
  /** lostBeforeAck by what the simulator saw happen to the message (see lossCause). */
  lostBeforeAckBy: Record<string, number>;
  /** Accepted (read) but not answered exactly once. */
  acceptedNotAnsweredOnce: number;
}

export interface CrashResult {
  side: Side;
  kills: number;
  durationSec: number;
  killMoments: { startup: number; afterOpen: number; underLoad: number };
  /** Restarts whose credentials did not load: a new QR was needed, or the account came up not linked / logged out. */
  corruptLoads: number;
  qrNeeded: number;
  /** What the file checks after each kill found (before the restart). */
  files: { checks: number; emptyFiles: number; unparsableFiles: number; credsUnusable: number; otherStateUnparsable: number; examples: string[] };
  /** Clawline: restarts that found the killed process's account lock (and had to take it over). */
  staleLocks: number;
  /** Restarts that ended in a state other than connected/QR (e.g. conflict) within 60 s. */
  stuckRestarts: number;
  /** Spawn to connected, per restart that was allowed to connect (median / max). */
  restartToConnectedMs: { median: number | null; max: number | null; runs: number };
  messages: MessageClasses;
  retryReceipts: { fromGateway: number; fromContacts: number };
  /** Up to 30 messages not answered exactly once, for whoever investigates. */
  failures: FailureExample[];
  notes: string[];
}

export interface FailureExample {
  id: string;
  contact: string;
  replies: number;
  delivered: boolean;
  read: boolean;
  /** When the contact sent it, relative to the nearest kill (negative: before the kill). */
  sentVsKillMs: number | null;
  /** The simulator's record of it: deliveries per connection, receipts, retries, nacks. */
  trail: string[];
}

/**
 * Why a message that was never receipted got no answer, from its trail in the simulator:
 * - "nack 487": a redelivered copy failed with "Key used already or never filled" (Baileys
 *   nacks 487 and drops it): a killed process had decrypted it, and stored the advanced Signal
 *   session, but died before the receipt went out. The server (real or simulated) discards a
 *   nacked message, so it is gone.
 * - "retried, resend unanswered": the gateway asked for a resend and got no copy it could read.
 * - "never sent": still in the offline queue (the last process never logged in far enough).
 * - "sent, no answer": delivered, never receipted, nacked or redelivered since.
 */
export function lossCause(trail: readonly string[]): string {
  if (trail.some((s) => s.startsWith('nack 487'))) return 'nack 487';
  if (trail.some((s) => s.startsWith('retry'))) return 'retried, resend unanswered';
  if (!trail.some((s) => s.startsWith('live') || s.startsWith('offline'))) return 'never sent';
  return 'sent, no answer';
}

/** The messages not answered exactly once (never-acknowledged ones first), with where they fell relative to the kills. */
export function failureExamples(tracker: EchoTracker, contacts: LoadContact[], killTimes: number[], limit = 30): FailureExample[] {
  const out: FailureExample[] = [];
  contacts.forEach((c, i) => {
    const receipts = new Set(c.handle.inbox.receipts.map((r) => `${r.messageId}|${r.type}`));
    for (const id of tracker.pingsOf(i)) {
      const replies = tracker.replyCount(i, id);
      if (replies === 1) continue;
      const at = c.handle.sent.get(id)?.at;
      const near = at === undefined ? [] : killTimes.map((t) => at - t).sort((a, b) => Math.abs(a) - Math.abs(b));
      out.push({ id, contact: c.handle.info.name, replies, delivered: receipts.has(`${id}|delivered`), read: receipts.has(`${id}|read`), sentVsKillMs: near[0] ?? null, trail: [...(c.handle.sent.get(id)?.trail ?? [])] });
    }
  });
  const acked = (f: FailureExample) => (f.delivered || f.read ? 1 : 0);
  return out.sort((a, b) => acked(a) - acked(b)).slice(0, limit);
}

const PHONE: Record<Side, string> = { clawline: '4915200000001', baseline: '4915200000002' };

export async function setupReliabilitySide(side: Side, sim: Simulator, stateDir: string, hook: EchoWebhook | undefined, extra: Partial<ChildConfig> = {}, clawline: Parameters<typeof writeClawlineConfig>[1] = { accounts: ['default'] }): Promise<ChildConfig> {
  if (side === 'clawline') await writeClawlineConfig(stateDir, { ...clawline, ...(hook ? { webhookUrl: hook.url } : {}) });
  return { side, stateDir, accounts: ['default'], simUrl: sim.url, simCa: sim.ca, replyWithId: side === 'baseline', ...extra };
}

/** Every state file a side keeps must parse (the journal may end in one torn line). */
async function checkOtherState(side: Side, stateDir: string): Promise<string[]> {
  if (side !== 'clawline') return [];
  const bad: string[] = [];
  const jsonIn = async (dir: string) => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const p = join(dir, name);
      if (!(await stat(p).catch(() => undefined))?.isFile()) continue;
      try { JSON.parse(await readFile(p, 'utf8')); } catch { bad.push(p.slice(stateDir.length + 1)); }
    }
  };
  await jsonIn(join(stateDir, 'credentials'));
  await jsonIn(join(stateDir, 'clawline'));
  const journal = await readFile(join(stateDir, 'clawline', 'inbound', 'default.jsonl'), 'utf8').catch(() => '');
  const lines = journal.split('\n').filter((l) => l.trim());
  lines.forEach((line, i) => {
    try { JSON.parse(line); } catch { if (i !== lines.length - 1) bad.push(`clawline/inbound/default.jsonl line ${i + 1}`); }
  });
  return bad;
}

/** Clawline: whether the killed process left its account lock behind (the restart must take it over). */
async function staleLock(stateDir: string): Promise<boolean> {
  return !!(await stat(join(stateDir, 'clawline', 'locks', 'whatsapp-default.lock')).catch(() => undefined));
}

/** Classifies every ping the tracker sent. */
export function classify(tracker: EchoTracker, contacts: LoadContact[]): MessageClasses {
  const c = classifyEmpty();
  contacts.forEach((contact, i) => {
    const delivered = new Set<string>();
    const read = new Set<string>();
    for (const r of contact.handle.inbox.receipts) (r.type === 'delivered' ? delivered : read).add(r.messageId);
    for (const id of tracker.pingsOf(i)) {
      c.sent++;
      const replies = tracker.replyCount(i, id);
      const accepted = read.has(id);
      if (accepted) c.accepted++;
      if (replies === 1) c.answeredOnce++;
      else if (replies > 1) c.answeredTwice++;
      else if (delivered.has(id) || accepted) c.lostAfterAck++;
      else {
        c.lostBeforeAck++;
        const cause = lossCause(contact.handle.sent.get(id)?.trail ?? []);
        c.lostBeforeAckBy[cause] = (c.lostBeforeAckBy[cause] ?? 0) + 1;
      }
      if (accepted && replies !== 1) c.acceptedNotAnsweredOnce++;
    }
  });
  return c;
}

/** Sends pings at a fixed rate (round robin) until stopped. */
export function steadyTraffic(tracker: EchoTracker, ratePerSec: number): { stop(): void } {
  let next = 0;
  const timer = setInterval(() => { void tracker.send(next++ % tracker.contacts); }, 1000 / ratePerSec);
  return { stop: () => clearInterval(timer) };
}

export async function runCrash(o: CrashOptions): Promise<CrashResult> {
  const started = Date.now();
  const random = seededRandom(o.seed);
  const simLog = process.env.CLAWLINE_BENCH_SIMLOG;
  const { appendFileSync } = await import('node:fs');
  const sim = await startSimulator(simLog ? { quiet: false, log: (line) => appendFileSync(simLog, `${Date.now()} ${line}\n`) } : { quiet: true });
  const hook = o.side === 'clawline' ? await startEchoWebhook() : undefined;
  const stateDir = await tempDir(`${o.side}-crash`);
  const result: CrashResult = {
    side: o.side, kills: 0, durationSec: 0, killMoments: { startup: 0, afterOpen: 0, underLoad: 0 }, corruptLoads: 0, qrNeeded: 0,
    files: { checks: 0, emptyFiles: 0, unparsableFiles: 0, credsUnusable: 0, otherStateUnparsable: 0, examples: [] },
    staleLocks: 0, stuckRestarts: 0, restartToConnectedMs: { median: null, max: null, runs: 0 }, messages: classifyEmpty(), retryReceipts: { fromGateway: 0, fromContacts: 0 }, failures: [], notes: [],
  };
  let proc: SideProcess | undefined;
  let tracker: EchoTracker | undefined;
  try {
    const config = await setupReliabilitySide(o.side, sim, stateDir, hook);
    o.progress.set(`crash ${o.side}: linking`);
    const linked: LinkedSide = await startLinked(sim, o.scripts, config, { default: PHONE[o.side] }, { cpu: o.gatewayCpu });
    proc = linked.proc;
    const contacts: LoadContact[] = Array.from({ length: o.contacts }, (_, i) => ({ handle: sim.contact(sim.addContact({ name: `Crash ${i + 1}` }).id) }));
    { const warm = new EchoTracker(sim, contacts); await closedLoop(warm, contacts.length, 30_000); warm.close(); }
    const counts0 = sim.state().counts;
    tracker = new EchoTracker(sim, contacts);
    const traffic = steadyTraffic(tracker, o.ratePerSec);
    let lastStartupMs = 1_500;
    const restartTimes: number[] = [];
    const killTimes: number[] = [];

    /** Every ping of the last minute older than 1.5 s has its reply: the side keeps up again. */
    const caughtUp = async (capMs: number) => {
      const until = Date.now() + capMs;
      while (Date.now() < until && tracker!.unansweredAged(1_500, 60_000) > 0) await sleep(100);
    };
    /** Watches one process: a QR or a not-linked/logged-out report means its credentials did not load. */
    const watch = (p: SideProcess) => {
      let counted = false;
      p.onAccount((m) => {
        if (counted) return;
        const lostCreds = m.state === 'qr' || (m.state === 'other' && /not-linked|logged-out/.test(m.detail ?? ''));
        if (!lostCreds) return;
        counted = true;
        result.corruptLoads++;
        if (m.state === 'qr') result.qrNeeded++;
        result.notes.push(`restart ${result.kills}: credentials did not load (${m.state}${m.detail ? `: ${m.detail}` : ''})`);
      });
    };
    /** Waits until connected; relinks (counted above) if the side asks for a QR. */
    const bringUp = async (p: SideProcess): Promise<boolean> => {
      const m = await p.waitAccount('default', (x) => x.state === 'connected' || x.state === 'qr' || (x.state === 'other' && !/connecting/.test(x.detail ?? '')), 60_000, 'connected').catch(() => undefined);
      if (!m) { result.stuckRestarts++; return false; }
      if (m.state === 'connected') return true;
      if (m.state === 'qr' || /not-linked|logged-out/.test(m.detail ?? '')) {
        p.link('default');
        const shown = m.state === 'qr' ? m : await p.waitAccount('default', (x) => x.state === 'qr', 30_000, 'QR').catch(() => undefined);
        if (shown?.qr) {
          const r = await sim.phone.scan(shown.qr, { phone: PHONE[o.side] });
          if (r.outcome === 'linked') {
            await p.waitAccount('default', (x) => x.state === 'connected', 60_000, 'connected after relinking').catch(() => undefined);
            return p.accounts.get('default')?.state === 'connected';
          }
        }
        return false;
      }
      result.stuckRestarts++;
      if (result.notes.length < 50) result.notes.push(`restart ${result.kills}: stuck in ${m.detail}`);
      return false;
    };

    for (let k = 1; k <= o.kills; k++) {
      const r = random();
      const moment: keyof CrashResult['killMoments'] = r < 0.15 ? 'startup' : r < 0.3 ? 'afterOpen' : 'underLoad';
      o.progress.set(`crash ${o.side}: ${k - 1}/${o.kills} kills · ${tracker.totalReplies}/${tracker.totalSent} answered · waiting to kill (${moment})`);
      // Every wait before a kill is bounded; a watchdog makes sure of it whatever happens inside.
      const beforeKill = async () => {
        if (moment === 'startup') {
          await sleep(Math.min(5_000, uniform(random, 0, lastStartupMs) - (Date.now() - proc!.spawnedAt)));
          return;
        }
        const up = await bringUp(proc!);
        if (up) {
          const connectedAt = proc!.history.findLast((m) => m.state === 'connected')?.at ?? Date.now();
          lastStartupMs = Math.min(10_000, Math.max(300, connectedAt - proc!.spawnedAt));
          if (k > 1) restartTimes.push(connectedAt - proc!.spawnedAt);
        }
        if (moment === 'afterOpen') {
          await sleep(uniform(random, 0, 150));
          return;
        }
        // "Under load" means steady traffic, not the catch-up after the last restart (start-up and
        // after-open kills cover that): let the backlog drain first (bounded), or every kill would
        // land in a catch-up and the run would measure a pile-up rather than crashes.
        await caughtUp(6_000);
        await sleep(uniform(random, 300, 2_000));
      };
      if (!(await within(beforeKill(), 180_000))) {
        result.notes.push(`kill ${k}: the wait before the kill did not end within 180 s (account ${JSON.stringify(proc.accounts.get('default') ?? null).slice(0, 200)})`);
      }
      const state = proc.accounts.get('default')?.state;
      result.killMoments[moment === 'startup' && state === 'connected' ? 'afterOpen' : moment]++;
      await proc.kill();
      killTimes.push(Date.now());
      result.kills++;
      o.progress.set(`crash ${o.side}: ${k}/${o.kills} kills · ${tracker.totalReplies}/${tracker.totalSent} answered`);

      const check = await checkAuthDir(authDirOf(o.side, stateDir, 'default'));
      const other = await checkOtherState(o.side, stateDir);
      result.files.checks++;
      result.files.emptyFiles += check.empty.length;
      result.files.unparsableFiles += check.unparsable.length;
      result.files.otherStateUnparsable += other.length;
      if (check.credsProblem) result.files.credsUnusable++;
      for (const problem of [...check.empty.map((f) => `${f} empty`), ...check.unparsable.map((f) => `${f} unparsable`), ...(check.credsProblem ? [check.credsProblem] : []), ...other.map((f) => `${f} unparsable`)]) {
        if (result.files.examples.length < 20) result.files.examples.push(`kill ${k}: ${problem}`);
      }
      if (o.side === 'clawline' && (await staleLock(stateDir))) result.staleLocks++;

      proc = spawnSide(o.scripts, config, { cpu: o.gatewayCpu });
      watch(proc);
    }
    traffic.stop();
    o.progress.set(`crash ${o.side}: final restart and drain`);
    if (!(await bringUp(proc))) result.notes.push('the last restart did not connect');
    await tracker.waitUntil(() => tracker!.allAnswered(), o.drainStallMs, 180_000);
    // Replies still on their way after the last answer (duplicates arrive late): a short settle.
    await sleep(1_500);
    result.messages = classify(tracker, contacts);
    const sorted = [...restartTimes].sort((a, b) => a - b);
    result.restartToConnectedMs = { median: sorted[Math.floor(sorted.length / 2)] ?? null, max: sorted.at(-1) ?? null, runs: sorted.length };
    result.failures = failureExamples(tracker, contacts, killTimes);
    const counts1 = sim.state().counts;
    result.retryReceipts = { fromGateway: counts1.retryReceiptsIn - counts0.retryReceiptsIn, fromContacts: counts1.retryReceiptsOut - counts0.retryReceiptsOut };
    if (tracker.sendErrors) result.notes.push(`${tracker.sendErrors} pings could not be sent by the simulator: ${tracker.sendErrorSample}`);
  } finally {
    tracker?.close();
    await proc?.stop();
    await hook?.close();
    await sim.close();
    if (process.env.CLAWLINE_BENCH_KEEP) console.error(`kept ${stateDir}`);
    else await rm(stateDir, { recursive: true, force: true });
    result.durationSec = Math.round((Date.now() - started) / 1000);
  }
  return result;
}

function classifyEmpty(): MessageClasses {
  return { sent: 0, accepted: 0, answeredOnce: 0, answeredTwice: 0, lostAfterAck: 0, lostBeforeAck: 0, lostBeforeAckBy: {}, acceptedNotAnsweredOnce: 0 };
}
