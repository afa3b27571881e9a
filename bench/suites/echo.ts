// The echo benchmarks, run the same way for each side in its own process: link, warm up, then
// bursts, ping-pong and fixed offered rates at 10 contacts, the same at 1 and 50 contacts, memory
// every N echoes up to the target, and start-up with stored credentials. A second process per
// side holds several accounts (scaling by accounts). Both sides stay up and take turns step by step.
import { startSimulator, type Simulator } from '../../sim/index.ts';
import type { ResourceSample, Side } from '../child/protocol.ts';
import { startLinked, waitConnected, type LinkedSide } from '../lib/link.ts';
import { EchoTracker, burst, closedLoop, openLoop, type EchoResult, type LoadContact } from '../lib/load.ts';
import type { Progress } from '../lib/progress.ts';
import { spawnSide, type ChildScripts } from '../lib/sides.ts';
import { folderSize, tempDir, writeClawlineConfig } from '../lib/state.ts';
import { MB, round } from '../lib/stats.ts';
import { rm } from 'node:fs/promises';

export interface EchoPlan {
  /** Contacts for the main echo figures. */
  contacts: number;
  reps: number;
  burstPerContact: number;
  closedTotal: number;
  rates: number[];
  rateDurationMs: number;
  /** Other contact counts (the main count is reported from the steps above). */
  scaling: { contacts: number; closedTotal: number; burstPerContact: number }[];
  accounts: { counts: number[]; contactsPerAccount: number; closedTotal: number } | null;
  memory: { targetMessages: number; sampleEvery: number; contacts: number };
  startupRuns: number;
  /** A step ends when no reply arrived for this long (the rest counts as lost). */
  stallMs: number;
}

export interface BenchEnv {
  scripts: ChildScripts;
  progress: Progress;
  /** Core for the side's process (taskset), when pinning. */
  gatewayCpu?: number;
  keepDirs?: boolean;
}

/** One measured step: everything the method asks to report next to a figure. */
export interface StepFigures extends EchoResult {
  mode: 'burst' | 'ping-pong' | 'rate';
  contacts: number;
  accounts: number;
  offeredPerSec?: number;
  /** Gateway process CPU (user + system) during the step. */
  cpuMs: number;
  cpuMsPerMsg: number | null;
  rssMb: number;
  peakRssMb: number;
  fileWritesPerMsg: number | null;
  bytesWrittenPerMsg: number | null;
  fsyncsPerMsg: number | null;
  /** Retry receipts our side sent (it could not decrypt) / the contacts sent (they could not decrypt our reply). */
  retryReceiptsFromGateway: number;
  retryReceiptsFromContacts: number;
  /** Simulator + load generator CPU, as a fraction of one core. */
  simulatorCpu: number;
  simulatorBound: boolean;
}

export interface MemorySample {
  messages: number;
  rssMb: number;
  heapMb: number;
}

export interface SideEcho {
  side: Side;
  linkMs: number;
  steps: {
    burst: StepFigures[];
    pingPong: StepFigures[];
    rates: StepFigures[];
    scaling: { contacts: number; pingPong: StepFigures; burst: StepFigures }[];
  };
  memory: {
    samples: MemorySample[];
    messages: number;
    rssAtFirstMb: number | null;
    rssAtEndMb: number | null;
    /** Least-squares slope of RSS (after a full GC) over the samples, MB per 1,000 messages. */
    rssGrowthPer1000Mb: number | null;
    heapGrowthPer1000Mb: number | null;
  };
  startup: { runs: { toConnectedMs: number; childUptimeAtConnectedMs: number }[] };
  stateOnDisk: { files: number; bytes: number };
  totals: { sent: number; answered: number; lost: number; duplicates: number };
}

export const SIM_BOUND_FRACTION = 0.7;
const PHONE: Record<Side, string> = { clawline: '4915100000001', baseline: '4915100000002' };

export function sideStateSetup(side: Side, stateDir: string, accounts: string[]): Promise<unknown> {
  return side === 'clawline' ? writeClawlineConfig(stateDir, { accounts }) : Promise.resolve();
}

/** Runs `run` and takes every figure around it. */
async function measure(
  sim: Simulator,
  linked: LinkedSide,
  meta: { mode: StepFigures['mode']; contacts: number; accounts: number; offeredPerSec?: number },
  run: () => Promise<EchoResult>,
): Promise<StepFigures> {
  const s0 = await linked.proc.sample();
  const c0 = sim.state().counts;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const r = await run();
  const wall = Math.max(1, Date.now() - t0);
  const cpu = process.cpuUsage(cpu0);
  const c1 = sim.state().counts;
  const s1 = await linked.proc.sample();
  const n = r.answered || r.sent;
  const per = (x: number) => (n ? round(x / n, 3) : null);
  const cpuMs = s1.cpuUserMs + s1.cpuSystemMs - s0.cpuUserMs - s0.cpuSystemMs;
  const simulatorCpu = round((cpu.user + cpu.system) / 1000 / wall, 3);
  return {
    ...meta,
    ...r,
    cpuMs: round(cpuMs, 1),
    cpuMsPerMsg: per(cpuMs),
    rssMb: round(s1.rssBytes / MB, 1),
    peakRssMb: round(s1.maxRssBytes / MB, 1),
    fileWritesPerMsg: per(s1.fs.writes - s0.fs.writes),
    bytesWrittenPerMsg: per(s1.fs.bytes - s0.fs.bytes),
    fsyncsPerMsg: per(s1.fs.fsyncs - s0.fs.fsyncs),
    retryReceiptsFromGateway: c1.retryReceiptsIn - c0.retryReceiptsIn,
    retryReceiptsFromContacts: c1.retryReceiptsOut - c0.retryReceiptsOut,
    simulatorCpu,
    simulatorBound: simulatorCpu > SIM_BOUND_FRACTION,
  };
}

function describe(f: StepFigures): string {
  const lat = f.latencyMs;
  return `${f.answered}/${f.sent} answered, ${f.throughput} msg/s, p50 ${lat.p50} p99 ${lat.p99} ms, ${f.cpuMsPerMsg} CPU-ms/msg` +
    `${f.lost ? `, LOST ${f.lost}` : ''}${f.duplicates ? `, DUP ${f.duplicates}` : ''}` +
    `${f.retryReceiptsFromGateway + f.retryReceiptsFromContacts ? `, retries ${f.retryReceiptsFromGateway}/${f.retryReceiptsFromContacts}` : ''}` +
    `${f.simulatorBound ? ' [simulator-bound]' : ''}`;
}

/** Follows total echoes of a side to take memory samples every `every` answered messages. */
class MemoryWatch {
  messages = 0;
  readonly samples: MemorySample[] = [];
  private nextAt: number;
  private sampling: Promise<void> = Promise.resolve();

  constructor(private readonly linked: LinkedSide, private readonly every: number) {
    this.nextAt = every;
  }

  follow(tracker: EchoTracker): () => void {
    return tracker.onReply(() => {
      this.messages++;
      if (this.messages >= this.nextAt) {
        const at = this.messages;
        this.nextAt += this.every;
        this.sampling = this.sampling.then(async () => {
          const s: ResourceSample = await this.linked.proc.sample(true);
          this.samples.push({ messages: at, rssMb: round(s.rssBytes / MB, 2), heapMb: round(s.heapUsedBytes / MB, 2) });
        }).catch(() => {});
      }
    });
  }

  settled(): Promise<void> {
    return this.sampling;
  }
}

/** Least-squares slope of y over x, scaled to per 1,000 x. */
function slopePer1000(points: { x: number; y: number }[]): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (sxx === 0) return null;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  return round((sxy / sxx) * 1000, 3);
}

/** One side, linked on its own simulator, ready to run measured steps. */
export interface EchoSession {
  readonly side: Side;
  burst(rep: number): Promise<void>;
  pingPong(rep: number): Promise<void>;
  rate(rate: number): Promise<void>;
  scaling(s: EchoPlan['scaling'][number]): Promise<void>;
  /** One chunk of the memory run; false once the process has answered the target. */
  memoryChunk(): Promise<boolean>;
  startup(run: number): Promise<void>;
  finish(): Promise<SideEcho>;
  close(): Promise<void>;
}

export async function openEchoSession(side: Side, plan: EchoPlan, env: BenchEnv): Promise<EchoSession> {
  const { progress } = env;
  const sim = await startSimulator({ quiet: true });
  const stateDir = await tempDir(side);
  const config = { side, stateDir, accounts: ['default'], simUrl: sim.url, simCa: sim.ca };
  let linked: LinkedSide | undefined;
  const close = async () => {
    await linked?.proc.stop();
    await sim.close();
    if (!env.keepDirs) await rm(stateDir, { recursive: true, force: true });
  };
  try {
    await sideStateSetup(side, stateDir, ['default']);
    progress.set(`${side}: linking`);
    const linkStart = Date.now();
    linked = await startLinked(sim, env.scripts, config, { default: PHONE[side] }, { cpu: env.gatewayCpu });
    const linkMs = Date.now() - linkStart;
    progress.line(`${side}: linked in ${linkMs} ms`);

    const maxContacts = Math.max(plan.contacts, plan.memory.contacts, ...plan.scaling.map((x) => x.contacts));
    const all: LoadContact[] = Array.from({ length: maxContacts }, (_, i) => ({ handle: sim.contact(sim.addContact({ name: `Bench ${i + 1}` }).id) }));
    const memory = new MemoryWatch(linked, plan.memory.sampleEvery);
    const totals = { sent: 0, answered: 0, lost: 0, duplicates: 0 };
    const step = async (label: string, meta: Parameters<typeof measure>[2], contacts: LoadContact[], run: (t: EchoTracker) => Promise<EchoResult>) => {
      progress.set(`${side}: ${label}`);
      const tracker = new EchoTracker(sim, contacts);
      const unfollow = memory.follow(tracker);
      const live = tracker.onReply(() => progress.set(`${side}: ${label} · ${tracker.totalReplies}/${tracker.totalSent} answered`));
      try {
        const f = await measure(sim, linked!, meta, () => run(tracker));
        totals.sent += f.sent; totals.answered += f.answered; totals.lost += f.lost; totals.duplicates += f.duplicates;
        progress.line(`${side}: ${label}: ${describe(f)}`);
        return f;
      } finally {
        live(); unfollow(); tracker.close();
      }
    };

    // Warm-up: one round trip per contact (sessions exist; prekeys handed out) before measuring.
    await step(`warm-up (${all.length} contacts, one round trip each)`, { mode: 'ping-pong', contacts: all.length, accounts: 1 }, all, (t) => closedLoop(t, all.length, plan.stallMs * 3));

    const main = all.slice(0, plan.contacts);
    const memContacts = all.slice(0, plan.memory.contacts);
    const steps: SideEcho['steps'] = { burst: [], pingPong: [], rates: [], scaling: [] };
    const startup: SideEcho['startup'] = { runs: [] };
    return {
      side,
      async burst(rep) {
        steps.burst.push(await step(`burst ${plan.contacts}x${plan.burstPerContact} (rep ${rep}/${plan.reps})`, { mode: 'burst', contacts: plan.contacts, accounts: 1 }, main, (t) => burst(t, plan.burstPerContact, plan.stallMs)));
      },
      async pingPong(rep) {
        steps.pingPong.push(await step(`ping-pong ${plan.closedTotal} over ${plan.contacts} contacts (rep ${rep}/${plan.reps})`, { mode: 'ping-pong', contacts: plan.contacts, accounts: 1 }, main, (t) => closedLoop(t, plan.closedTotal, plan.stallMs)));
      },
      async rate(rate) {
        steps.rates.push(await step(`offered ${rate} msg/s for ${plan.rateDurationMs / 1000} s`, { mode: 'rate', contacts: plan.contacts, accounts: 1, offeredPerSec: rate }, main, (t) => openLoop(t, rate, plan.rateDurationMs, plan.stallMs)));
      },
      async scaling(x) {
        const group = all.slice(0, x.contacts);
        const pingPong = await step(`scaling: ping-pong ${x.closedTotal} over ${x.contacts} contacts`, { mode: 'ping-pong', contacts: x.contacts, accounts: 1 }, group, (t) => closedLoop(t, x.closedTotal, plan.stallMs));
        const b = await step(`scaling: burst ${x.contacts}x${x.burstPerContact}`, { mode: 'burst', contacts: x.contacts, accounts: 1 }, group, (t) => burst(t, x.burstPerContact, plan.stallMs));
        steps.scaling.push({ contacts: x.contacts, pingPong, burst: b });
      },
      // Memory: keep echoing (ping-pong) until the process has answered the target in total.
      async memoryChunk() {
        if (memory.messages >= plan.memory.targetMessages) return false;
        const chunk = Math.min(plan.memory.sampleEvery, plan.memory.targetMessages - memory.messages);
        const f = await step(`memory: ${memory.messages + chunk}/${plan.memory.targetMessages} messages`, { mode: 'ping-pong', contacts: memContacts.length, accounts: 1 }, memContacts, (t) => closedLoop(t, chunk, plan.stallMs));
        return f.answered > 0 && memory.messages < plan.memory.targetMessages;
      },
      // Start-up with stored credentials: stop cleanly, start a new process, time until connected.
      async startup(run) {
        progress.set(`${side}: start-up ${run}/${plan.startupRuns}`);
        await memory.settled();
        await linked!.proc.stop();
        const proc = spawnSide(env.scripts, config, { cpu: env.gatewayCpu });
        linked = { proc, devices: linked!.devices };
        const connected = await proc.waitAccount('default', (m) => m.state === 'connected' || m.state === 'qr', 60_000, 'connected');
        if (connected.state === 'qr') throw new Error(`${side} asked for a new QR after a clean restart`);
        startup.runs.push({ toConnectedMs: connected.at - proc.spawnedAt, childUptimeAtConnectedMs: connected.uptimeMs });
        await waitConnected(sim, linked);
        progress.line(`${side}: start-up ${run}: connected ${connected.at - proc.spawnedAt} ms after spawn`);
      },
      async finish() {
        await memory.settled();
        const samples = memory.samples;
        return {
          side,
          linkMs,
          steps,
          memory: {
            samples,
            messages: memory.messages,
            rssAtFirstMb: samples[0]?.rssMb ?? null,
            rssAtEndMb: samples.at(-1)?.rssMb ?? null,
            rssGrowthPer1000Mb: slopePer1000(samples.map((x) => ({ x: x.messages, y: x.rssMb }))),
            heapGrowthPer1000Mb: slopePer1000(samples.map((x) => ({ x: x.messages, y: x.heapMb }))),
          },
          startup,
          stateOnDisk: await folderSize(stateDir),
          totals,
        };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Both sides, step by step in turn (who goes first alternates), so a machine whose load drifts
 * during the run biases neither side. Each side keeps its own process and its own simulator;
 * the idle one only answers keep-alives meanwhile.
 */
export async function runEchoPair(plan: EchoPlan, env: BenchEnv): Promise<Record<Side, SideEcho>> {
  const sessions: EchoSession[] = [];
  try {
    sessions.push(await openEchoSession('clawline', plan, env));
    sessions.push(await openEchoSession('baseline', plan, env));
    let turn = 0;
    const both = async (fn: (s: EchoSession) => Promise<unknown>) => {
      const order = turn++ % 2 === 0 ? sessions : [...sessions].reverse();
      for (const s of order) await fn(s);
    };
    for (let rep = 1; rep <= plan.reps; rep++) {
      await both((s) => s.burst(rep));
      await both((s) => s.pingPong(rep));
    }
    for (const rate of plan.rates) await both((s) => s.rate(rate));
    for (const x of plan.scaling) await both((s) => s.scaling(x));
    const more = new Map(sessions.map((s) => [s, true]));
    while ([...more.values()].some(Boolean)) await both(async (s) => { if (more.get(s)) more.set(s, await s.memoryChunk()); });
    for (let run = 1; run <= plan.startupRuns; run++) await both((s) => s.startup(run));
    const [clawline, baseline] = [await sessions[0]!.finish(), await sessions[1]!.finish()];
    return { clawline, baseline };
  } finally {
    for (const s of sessions) await s.close();
  }
}

export interface SideAccounts {
  side: Side;
  steps: StepFigures[];
}

interface AccountsSession {
  readonly side: Side;
  busy(count: number): Promise<void>;
  readonly steps: StepFigures[];
  close(): Promise<void>;
}

/** Several accounts in one process: traffic to 1, 2, ... of them at once (each its own contacts). */
async function openAccountsSession(side: Side, plan: NonNullable<EchoPlan['accounts']>, stallMs: number, env: BenchEnv): Promise<AccountsSession> {
  const { progress } = env;
  const sim = await startSimulator({ quiet: true });
  const stateDir = await tempDir(`${side}-accounts`);
  const max = Math.max(...plan.counts);
  const ids = Array.from({ length: max }, (_, i) => `acct${i + 1}`);
  const phones = Object.fromEntries(ids.map((id, i) => [id, `49151${side === 'clawline' ? 1 : 2}${String(i + 1).padStart(7, '0')}`]));
  let linked: LinkedSide | undefined;
  const close = async () => {
    await linked?.proc.stop();
    await sim.close();
    if (!env.keepDirs) await rm(stateDir, { recursive: true, force: true });
  };
  try {
    await sideStateSetup(side, stateDir, ids);
    progress.set(`${side}: linking ${max} accounts in one process`);
    linked = await startLinked(sim, env.scripts, { side, stateDir, accounts: ids, simUrl: sim.url, simCa: sim.ca }, phones, { cpu: env.gatewayCpu });
    progress.line(`${side}: ${max} accounts linked in one process`);
    const contacts = new Map(ids.map((id) => [id, Array.from({ length: plan.contactsPerAccount }, (_, i): LoadContact => ({ handle: sim.contact(sim.addContact({ name: `${id} contact ${i + 1}` }).id), to: phones[id] }))]));
    const everyone = [...contacts.values()].flat();
    {
      const t = new EchoTracker(sim, everyone);
      await closedLoop(t, everyone.length, stallMs * 3);
      t.close();
    }
    const steps: StepFigures[] = [];
    return {
      side,
      steps,
      async busy(count) {
        const group = ids.slice(0, count).flatMap((id) => contacts.get(id)!);
        progress.set(`${side}: ${count} account(s) busy`);
        const tracker = new EchoTracker(sim, group);
        const f = await measure(sim, linked!, { mode: 'ping-pong', contacts: group.length, accounts: count }, () => closedLoop(tracker, plan.closedTotal * count, stallMs));
        tracker.close();
        progress.line(`${side}: ${count} of ${max} accounts busy: ${describe(f)}`);
        steps.push(f);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Both sides' multi-account processes, each step in turn (who goes first alternates). */
export async function runAccountsPair(plan: NonNullable<EchoPlan['accounts']>, stallMs: number, env: BenchEnv): Promise<Record<Side, SideAccounts>> {
  const sessions: AccountsSession[] = [];
  try {
    sessions.push(await openAccountsSession('clawline', plan, stallMs, env));
    sessions.push(await openAccountsSession('baseline', plan, stallMs, env));
    let turn = 0;
    for (const count of plan.counts) {
      for (const s of turn++ % 2 === 0 ? sessions : [...sessions].reverse()) await s.busy(count);
    }
    return { clawline: { side: 'clawline', steps: sessions[0]!.steps }, baseline: { side: 'baseline', steps: sessions[1]!.steps } };
  } finally {
    for (const s of sessions) await s.close();
  }
}
