// Disconnect storm: while contacts write at a fixed rate, the simulator drops or errors the
// connection again and again (socket closed, </xmlstreamend>, stream error 503, and now and then
// two faults armed while offline so the next attempts fail at once and the backoff must grow).
// Checks that the side reconnects every time, never sooner than its backoff allows (read from
// the status it reports: close time, attempt, next retry, then the time it starts connecting),
// and that every message is answered exactly once.
import { rm } from 'node:fs/promises';
import { startSimulator, type FaultSpec } from '../../sim/index.ts';
import type { Side } from '../child/protocol.ts';
import { startLinked } from '../lib/link.ts';
import { EchoTracker, closedLoop, type LoadContact } from '../lib/load.ts';
import type { Progress } from '../lib/progress.ts';
import { seededRandom, sleep, uniform } from '../lib/random.ts';
import type { AccountMessage, ChildScripts } from '../lib/sides.ts';
import { tempDir } from '../lib/state.ts';
import { startEchoWebhook } from '../lib/webhook.ts';
import { classify, failureExamples, setupReliabilitySide, steadyTraffic, type FailureExample, type MessageClasses } from './crash.ts';

/** The reconnect policy Clawline runs with in the storm (openclaw.json web.reconnect). */
export const STORM_RECONNECT = { initialMs: 200, maxMs: 2_000, factor: 2, jitter: 0.25, maxAttempts: 0 };
const MIN_RETRY_DELAY_MS = 50;

export interface StormOptions {
  side: Side;
  faults: number;
  contacts: number;
  ratePerSec: number;
  seed: number;
  drainStallMs: number;
  scripts: ChildScripts;
  progress: Progress;
  gatewayCpu?: number;
}

export interface BackoffCheck {
  attempt: number;
  closedAt: number;
  /** What the side announced (nextRetryAt - closedAt) and what it did (connecting - closedAt). */
  announcedMs: number | null;
  actualMs: number;
  allowedMinMs: number;
  allowedMaxMs: number;
  ok: boolean;
}

export interface StormResult {
  side: Side;
  faults: number;
  byKind: Record<string, number>;
  durationSec: number;
  /** Times the side started a new connection after a close. */
  reconnects: number;
  /** Times it came back to connected. */
  recoveries: number;
  /** Shortest time from a close to the next connection attempt. */
  minGapMs: number | null;
  maxAttempt: number;
  /** Clawline: every reconnect checked against the backoff policy. */
  backoff: { checked: number; violations: BackoffCheck[] } | null;
  stuck: boolean;
  messages: MessageClasses;
  retryReceipts: { fromGateway: number; fromContacts: number };
  failures: FailureExample[];
}

/** The delay range the policy allows for retry `attempt` (see main/connection/reconnect-policy.ts). */
export function allowedDelay(attempt: number, p = STORM_RECONNECT): { min: number; max: number } {
  const base = Math.min(p.maxMs, p.initialMs * p.factor ** (Math.max(1, attempt) - 1));
  return { min: Math.max(MIN_RETRY_DELAY_MS, Math.floor(base * (1 - p.jitter))), max: Math.min(p.maxMs, Math.ceil(base * (1 + p.jitter))) };
}

/** Pairs every close with the next connection attempt in a side's account history. */
export function reconnectGaps(history: AccountMessage[]): { close: AccountMessage; next: AccountMessage }[] {
  const pairs: { close: AccountMessage; next: AccountMessage }[] = [];
  for (let i = 0; i < history.length; i++) {
    const m = history[i]!;
    if (m.state !== 'reconnecting' && m.state !== 'closed') continue;
    const next = history.slice(i + 1).find((x) => x.state === 'connecting');
    if (next) pairs.push({ close: m, next });
  }
  return pairs;
}

export async function runStorm(o: StormOptions): Promise<StormResult> {
  const started = Date.now();
  const random = seededRandom(o.seed);
  const simLog = process.env.CLAWLINE_BENCH_SIMLOG;
  const { appendFileSync } = await import('node:fs');
  const sim = await startSimulator(simLog ? { quiet: false, log: (line) => appendFileSync(simLog, `${Date.now()} ${line}\n`) } : { quiet: true });
  const hook = o.side === 'clawline' ? await startEchoWebhook() : undefined;
  const stateDir = await tempDir(`${o.side}-storm`);
  const byKind: Record<string, number> = {};
  let tracker: EchoTracker | undefined;
  let linked: Awaited<ReturnType<typeof startLinked>> | undefined;
  try {
    const config = await setupReliabilitySide(o.side, sim, stateDir, hook, { fastTimings: true }, { accounts: ['default'], reconnect: STORM_RECONNECT });
    o.progress.set(`storm ${o.side}: linking`);
    linked = await startLinked(sim, o.scripts, config, { default: o.side === 'clawline' ? '4915300000001' : '4915300000002' }, { cpu: o.gatewayCpu });
    const device = linked.devices.get('default')!;
    const contacts: LoadContact[] = Array.from({ length: o.contacts }, (_, i) => ({ handle: sim.contact(sim.addContact({ name: `Storm ${i + 1}` }).id) }));
    { const warm = new EchoTracker(sim, contacts); await closedLoop(warm, contacts.length, 30_000); warm.close(); }
    const historyStart = linked.proc.history.length;
    const counts0 = sim.state().counts;
    tracker = new EchoTracker(sim, contacts);
    const traffic = steadyTraffic(tracker, o.ratePerSec);
    let stuck = false;
    const proc = linked.proc;
    let lastFaultAt = 0;
    const offline = () => sim.waitFor(() => !sim.device(device).connected, { timeoutMs: 30_000, what: 'the dropped connection to close' });
    const fire = async (spec: FaultSpec) => {
      const key = `${spec.kind}${spec.mode ? `:${spec.mode}` : spec.code ? `:${spec.code}` : ''}`;
      byKind[key] = (byKind[key] ?? 0) + 1;
      const record = sim.fault(spec);
      await sim.waitFor(() => sim.faults().find((f) => f.id === record.id)?.status === 'fired', { timeoutMs: 60_000, what: `fault ${key} to fire` });
      lastFaultAt = Date.now();
      await offline();
    };
    let n = 0;
    while (n < o.faults) {
      try {
        await proc.waitAccount('default', (m) => m.state === 'connected' && m.at > lastFaultAt, 60_000, 'connected again');
        await sim.waitForReady(device, { timeoutMs: 60_000 });
        await sleep(uniform(random, 200, 2_500));
        const r = random();
        if (r < 0.4) await fire({ kind: 'drop', device });
        else if (r < 0.6) await fire({ kind: 'drop', device, mode: 'xmlstreamend' });
        else if (r < 0.85) await fire({ kind: 'stream-error', code: 503, device });
        else {
          // A drop, then faults armed while offline that hit the next logins at once: attempts 1, 2, 3.
          const chain: FaultSpec[] = [{ kind: 'drop', device }, { kind: 'drop', device }, { kind: 'stream-error', code: 503, device }];
          for (const spec of chain.slice(0, o.faults - n)) { await fire(spec); n++; }
          n--;
        }
        n++;
      } catch {
        stuck = true;
        break;
      }
      o.progress.set(`storm ${o.side}: ${n}/${o.faults} faults · ${tracker.totalReplies}/${tracker.totalSent} answered`);
    }
    await sim.waitForReady(device, { timeoutMs: 60_000 }).catch(() => { stuck = true; });
    traffic.stop();
    await tracker.waitUntil(() => tracker!.allAnswered(), o.drainStallMs, 180_000);
    await sleep(1_500);
    const counts1 = sim.state().counts;
    const history = linked.proc.history.slice(historyStart);
    const pairs = reconnectGaps(history);
    const gaps = pairs.map((p) => p.next.at - (p.close.closedAt ?? p.close.at));
    let backoff: StormResult['backoff'] = null;
    if (o.side === 'clawline') {
      const checks = pairs.filter((p) => p.close.state === 'reconnecting' && p.close.attempt !== undefined).map((p): BackoffCheck => {
        const closedAt = p.close.closedAt ?? p.close.at;
        const { min, max } = allowedDelay(p.close.attempt!);
        const announcedMs = p.close.nextRetryAt !== undefined ? p.close.nextRetryAt - closedAt : null;
        const actualMs = p.next.at - closedAt;
        // The attempt may start later than announced (a busy event loop), never earlier.
        const ok = announcedMs !== null && announcedMs >= min && announcedMs <= max && actualMs >= announcedMs - 2;
        return { attempt: p.close.attempt!, closedAt, announcedMs, actualMs, allowedMinMs: min, allowedMaxMs: max, ok };
      });
      backoff = { checked: checks.length, violations: checks.filter((c) => !c.ok).slice(0, 20) };
    }
    return {
      side: o.side,
      faults: Object.values(byKind).reduce((a, b) => a + b, 0),
      byKind,
      durationSec: Math.round((Date.now() - started) / 1000),
      reconnects: pairs.length,
      recoveries: history.filter((m) => m.state === 'connected').length,
      minGapMs: gaps.length ? Math.min(...gaps) : null,
      maxAttempt: Math.max(0, ...history.map((m) => m.attempt ?? 0)),
      backoff,
      stuck,
      messages: classify(tracker, contacts),
      retryReceipts: { fromGateway: counts1.retryReceiptsIn - counts0.retryReceiptsIn, fromContacts: counts1.retryReceiptsOut - counts0.retryReceiptsOut },
      failures: failureExamples(tracker, contacts, []),
    };
  } finally {
    tracker?.close();
    await linked?.proc.stop();
    await hook?.close();
    await sim.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}
