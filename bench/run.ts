// `npm run bench`: Clawline against a bare Baileys bot, side by side in one run on the simulator.
//   npm run bench                 default run (~10-15 min on 2 cores)
//   npm run bench -- --quick      smoke run (~2 min)
//   npm run bench -- --full       the whole method (memory to 20,000 messages; long)
//   --only=echo,accounts,store    run some sections   --out=DIR   where results go (bench/results)
//   --no-pin                      do not pin processes with taskset
// Writes <out>/bench-<time>.json (every figure for clawline and baseline, plus ratios) and
// <out>/bench-<time>.md (the tables), and copies both to latest.json / latest.md.
import { mkdir, readFile, writeFile, copyFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_PLANS, type BenchMode, type BenchPlan } from './plans.ts';
import { Progress } from './lib/progress.ts';
import { machineInfo, compare, maxSustainable, table, stepRows, STEP_HEADER, fmt, fmtSpread, fmtRatio, type Comparison, type MachineInfo } from './lib/report.ts';
import { REPO_ROOT, canPin, pinSelf, prepareChildScripts } from './lib/sides.ts';
import { ratio, round, spread, type Spread } from './lib/stats.ts';
import { runAccountsPair, runEchoPair, type SideAccounts, type SideEcho } from './suites/echo.ts';
import { runStoreSide, type StoreFigures } from './suites/store.ts';

export type BenchSection = 'echo' | 'accounts' | 'store';
export const ALL_SECTIONS: BenchSection[] = ['echo', 'accounts', 'store'];

export interface BenchOptions {
  mode: BenchMode;
  plan?: BenchPlan;
  sections?: BenchSection[];
  outDir?: string;
  pin?: boolean;
  progress?: Progress;
  command?: string;
}

export interface Target {
  goal: string;
  value: string;
  met: boolean | null;
}

export interface BenchReport {
  tool: 'clawline-bench';
  schema: 1;
  mode: BenchMode;
  command: string;
  startedAt: string;
  durationSec: number;
  machine: MachineInfo;
  plan: BenchPlan;
  sections: BenchSection[];
  headline: {
    throughputRatio: number | null;
    pingPongThroughputRatio: number | null;
    p99Ratio: number | null;
    cpuPerMsgRatio: number | null;
    startupRatio: number | null;
    storeOpsPerSecRatio: number | null;
    rssGrowthPer10kMessagesMb: { clawline: number | null; baseline: number | null };
    lostOrDuplicate: { clawline: number; baseline: number };
  };
  echo?: {
    contacts: number;
    burst: Comparison;
    pingPong: Comparison;
    rates: (Comparison & { offeredPerSec: number })[];
    maxSustainableRate: { clawline: number | null; baseline: number | null; ratio: number | null };
  };
  scaling?: {
    contacts: (Comparison & { contacts: number; mode: string })[];
    accounts: (Comparison & { accounts: number })[];
  };
  memory?: {
    clawline: SideEcho['memory'];
    baseline: SideEcho['memory'];
    rssGrowthRatio: number | null;
  };
  startup?: { clawline: Spread; baseline: Spread; ratio: number | null; clawlineUptimeMs: Spread; baselineUptimeMs: Spread };
  stateOnDisk?: { clawline: SideEcho['stateOnDisk']; baseline: SideEcho['stateOnDisk'] };
  store?: { clawline: StoreFigures; baseline: StoreFigures; opsPerSecRatio: number | null; opsPerSecRuns: { clawline: number[]; baseline: number[] }; fsyncs: { clawline: number; baseline: number }; filesOnDisk: { clawline: number; baseline: number } };
  targets: Target[];
  raw: { echo?: { clawline: SideEcho; baseline: SideEcho }; accounts?: { clawline: SideAccounts; baseline: SideAccounts } };
}

async function baileysVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'node_modules/@whiskeysockets/baileys/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export async function runBenchmarks(options: BenchOptions): Promise<{ report: BenchReport; jsonPath: string; mdPath: string }> {
  const plan = options.plan ?? BENCH_PLANS[options.mode];
  const sections = options.sections ?? ALL_SECTIONS;
  const progress = options.progress ?? new Progress();
  const started = Date.now();
  const pin = options.pin !== false && canPin();
  if (pin) pinSelf(0);
  const machine = machineInfo(pin, await baileysVersion());
  const scripts = await prepareChildScripts();
  const env = { scripts, progress, gatewayCpu: pin ? 1 : undefined };
  const report: BenchReport = {
    tool: 'clawline-bench', schema: 1, mode: options.mode, command: options.command ?? `npm run bench${options.mode === 'default' ? '' : ` -- --${options.mode}`}`,
    startedAt: new Date(started).toISOString(), durationSec: 0, machine, plan, sections,
    headline: { throughputRatio: null, pingPongThroughputRatio: null, p99Ratio: null, cpuPerMsgRatio: null, startupRatio: null, storeOpsPerSecRatio: null, rssGrowthPer10kMessagesMb: { clawline: null, baseline: null }, lostOrDuplicate: { clawline: 0, baseline: 0 } },
    targets: [], raw: {},
  };
  try {
    progress.line(`clawline bench (${options.mode}): ${sections.join(', ')}; ${pin ? 'simulator on CPU 0, gateway on CPU 1' : 'not pinned'}; load average ${machine.loadAverageAtStart.join(' ')}`);
    if (sections.includes('echo')) {
      const { clawline, baseline } = await runEchoPair(plan.echo, env);
      report.raw.echo = { clawline, baseline };
      addEcho(report, plan, clawline, baseline);
    }
    if (sections.includes('accounts') && plan.echo.accounts) {
      const { clawline, baseline } = await runAccountsPair(plan.echo.accounts, plan.echo.stallMs, env);
      report.raw.accounts = { clawline, baseline };
      report.scaling ??= { contacts: [], accounts: [] };
      report.scaling.accounts = clawline.steps.map((c, i) => ({ accounts: c.accounts, ...compare([c], [baseline.steps[i]!]) }));
    }
    if (sections.includes('store')) {
      // One replay per side, alternating, and the faster of two for each (the store run is long and
      // the disk is shared: the better run is the one least disturbed by other work).
      const runs = { clawline: [] as StoreFigures[], baseline: [] as StoreFigures[] };
      for (const side of ['clawline', 'baseline', 'baseline', 'clawline'] as const) runs[side].push(await runStoreSide(side, plan.store, env));
      const best = (xs: StoreFigures[]) => xs.reduce((a, b) => (b.opsPerSec > a.opsPerSec ? b : a));
      const clawline = best(runs.clawline);
      const baseline = best(runs.baseline);
      report.store = {
        clawline, baseline, opsPerSecRatio: ratio(clawline.opsPerSec, baseline.opsPerSec),
        opsPerSecRuns: { clawline: runs.clawline.map((r) => r.opsPerSec), baseline: runs.baseline.map((r) => r.opsPerSec) },
        fsyncs: { clawline: clawline.fsyncs, baseline: baseline.fsyncs }, filesOnDisk: { clawline: clawline.filesOnDisk, baseline: baseline.filesOnDisk },
      };
      report.headline.storeOpsPerSecRatio = report.store.opsPerSecRatio;
    }
  } finally {
    progress.done();
    await scripts.dispose();
  }
  report.machine.loadAverageAtEnd = loadavg().map((v) => round(v, 2));
  report.durationSec = Math.round((Date.now() - started) / 1000);
  report.targets = targets(report);
  const outDir = options.outDir ?? join(REPO_ROOT, 'bench', 'results');
  await mkdir(outDir, { recursive: true });
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const jsonPath = join(outDir, `bench-${options.mode}-${stamp}.json`);
  const mdPath = join(outDir, `bench-${options.mode}-${stamp}.md`);
  await writeFile(jsonPath, JSON.stringify(report, null, 2) + '\n');
  await writeFile(mdPath, renderMarkdown(report));
  await copyFile(jsonPath, join(outDir, 'latest.json'));
  await copyFile(mdPath, join(outDir, 'latest.md'));
  return { report, jsonPath, mdPath };
}

function addEcho(report: BenchReport, plan: BenchPlan, c: SideEcho, b: SideEcho): void {
  const burst = compare(c.steps.burst, b.steps.burst);
  const pingPong = compare(c.steps.pingPong, b.steps.pingPong);
  const rates = c.steps.rates.map((step, i) => ({ offeredPerSec: step.offeredPerSec!, ...compare([step], [b.steps.rates[i]!]) }));
  const sustC = maxSustainable(c.steps.rates);
  const sustB = maxSustainable(b.steps.rates);
  report.echo = { contacts: plan.echo.contacts, burst, pingPong, rates, maxSustainableRate: { clawline: sustC, baseline: sustB, ratio: ratio(sustC, sustB) } };
  report.scaling ??= { contacts: [], accounts: [] };
  report.scaling.contacts = [
    ...c.steps.scaling.flatMap((s, i) => [
      { contacts: s.contacts, mode: 'ping-pong', ...compare([s.pingPong], [b.steps.scaling[i]!.pingPong]) },
      { contacts: s.contacts, mode: 'burst', ...compare([s.burst], [b.steps.scaling[i]!.burst]) },
    ]),
    { contacts: plan.echo.contacts, mode: 'ping-pong', ...pingPong },
    { contacts: plan.echo.contacts, mode: 'burst', ...burst },
  ].sort((x, y) => x.contacts - y.contacts || x.mode.localeCompare(y.mode));
  report.memory = {
    clawline: c.memory, baseline: b.memory,
    rssGrowthRatio: ratio(c.memory.rssGrowthPer1000Mb, b.memory.rssGrowthPer1000Mb),
  };
  const sc = spread(c.startup.runs.map((r) => r.toConnectedMs));
  const sb = spread(b.startup.runs.map((r) => r.toConnectedMs));
  report.startup = {
    clawline: sc, baseline: sb, ratio: ratio(sc.median, sb.median),
    clawlineUptimeMs: spread(c.startup.runs.map((r) => r.childUptimeAtConnectedMs)), baselineUptimeMs: spread(b.startup.runs.map((r) => r.childUptimeAtConnectedMs)),
  };
  report.stateOnDisk = { clawline: c.stateOnDisk, baseline: b.stateOnDisk };
  report.headline.throughputRatio = burst.throughputRatio;
  report.headline.pingPongThroughputRatio = pingPong.throughputRatio;
  report.headline.p99Ratio = pingPong.p99Ratio;
  report.headline.cpuPerMsgRatio = pingPong.cpuPerMsgRatio;
  report.headline.startupRatio = report.startup.ratio;
  const per10k = (v: number | null) => (v === null ? null : round(v * 10, 2));
  report.headline.rssGrowthPer10kMessagesMb = { clawline: per10k(c.memory.rssGrowthPer1000Mb), baseline: per10k(b.memory.rssGrowthPer1000Mb) };
  report.headline.lostOrDuplicate = { clawline: c.totals.lost + c.totals.duplicates, baseline: b.totals.lost + b.totals.duplicates };
}

function targets(r: BenchReport): Target[] {
  const t: Target[] = [];
  const h = r.headline;
  if (r.echo) {
    t.push({ goal: `throughput >= baseline (burst, ${r.echo.contacts} contacts)`, value: fmtRatio(h.throughputRatio), met: h.throughputRatio === null ? null : h.throughputRatio >= 1 });
    t.push({ goal: `throughput >= baseline (ping-pong, ${r.echo.contacts} contacts)`, value: fmtRatio(h.pingPongThroughputRatio), met: h.pingPongThroughputRatio === null ? null : h.pingPongThroughputRatio >= 1 });
    t.push({ goal: 'p99 latency <= 1.1x baseline (ping-pong)', value: fmtRatio(h.p99Ratio), met: h.p99Ratio === null ? null : h.p99Ratio <= 1.1 });
    for (const rate of r.echo.rates) {
      t.push({ goal: `p99 latency <= 1.1x baseline at ${rate.offeredPerSec} msg/s offered`, value: fmtRatio(rate.p99Ratio), met: rate.p99Ratio === null ? null : rate.p99Ratio <= 1.1 });
    }
    const g = h.rssGrowthPer10kMessagesMb.clawline;
    t.push({ goal: 'RSS growth < 5 MB per 10,000 messages', value: g === null ? '–' : `${g} MB (baseline ${fmt(h.rssGrowthPer10kMessagesMb.baseline)} MB)`, met: g === null ? null : g < 5 });
    t.push({ goal: '0 lost or duplicate replies (every echo step)', value: `Clawline ${h.lostOrDuplicate.clawline}, baseline ${h.lostOrDuplicate.baseline}`, met: h.lostOrDuplicate.clawline === 0 });
  }
  return t;
}

export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# Clawline vs bare Baileys: benchmark results (${r.mode})`, '');
  out.push(`Command: \`${r.command}\` · started ${r.startedAt} · ${Math.round(r.durationSec / 60)} min`);
  out.push(`Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, Baileys ${m.baileys}; ${m.pinned ? 'simulator pinned to CPU 0, gateway to CPU 1' : 'not pinned'}; load average ${m.loadAverageAtStart.join(' / ')} at start, ${m.loadAverageAtEnd?.join(' / ') ?? '?'} at end.`, '');
  const h = r.headline;
  out.push('## Headline', '');
  out.push(table(['figure', 'Clawline ÷ baseline'], [
    ['throughput, burst', fmtRatio(h.throughputRatio)],
    ['throughput, ping-pong', fmtRatio(h.pingPongThroughputRatio)],
    ['p99 latency, ping-pong', fmtRatio(h.p99Ratio)],
    ['CPU per message', fmtRatio(h.cpuPerMsgRatio)],
    ['start-up to connected', fmtRatio(h.startupRatio)],
    ['key-store operations/s', fmtRatio(h.storeOpsPerSecRatio)],
  ]), '');
  out.push(`Lost or duplicate replies over every echo step: Clawline ${h.lostOrDuplicate.clawline}, baseline ${h.lostOrDuplicate.baseline}.`, '');
  if (r.targets.length) {
    out.push('## Targets', '', table(['goal', 'measured', 'met'], r.targets.map((t) => [t.goal, t.value, t.met === null ? '–' : t.met ? 'yes' : 'no'])), '');
  }
  if (r.echo) {
    out.push(`## Echo (${r.echo.contacts} contacts)`, '');
    out.push('Medians over the repetitions (min–max in brackets). Latency is measured at the contact, from sending the ping to decrypting the reply. "retry receipts" counts retry receipts sent by the gateway + by the contacts.', '');
    const rows = [...stepRows('burst', r.echo.burst), ...stepRows('ping-pong', r.echo.pingPong), ...r.echo.rates.flatMap((rate) => stepRows(`${rate.offeredPerSec} msg/s offered`, rate))];
    out.push(table(STEP_HEADER, rows), '');
    const s = r.echo.maxSustainableRate;
    out.push(`Highest offered rate sustained (all answered once, >= 90 % of the rate, p99 <= 2 s): Clawline ${s.clawline ?? 'none'} msg/s, baseline ${s.baseline ?? 'none'} msg/s.`, '');
  }
  if (r.scaling?.contacts.length) {
    out.push('## Scaling: contacts', '', table(STEP_HEADER, r.scaling.contacts.flatMap((c) => stepRows(`${c.contacts} contact${c.contacts === 1 ? '' : 's'}, ${c.mode}`, c))), '');
  }
  if (r.scaling?.accounts.length) {
    const max = Math.max(...r.scaling.accounts.map((a) => a.accounts));
    out.push('## Scaling: accounts in one process', '', `One process per side holds ${max} linked accounts; each step sends ping-pong traffic to this many of them at once (${r.plan.echo.accounts?.contactsPerAccount ?? '?'} contacts each).`, '');
    out.push(table(STEP_HEADER, r.scaling.accounts.flatMap((a) => stepRows(`${a.accounts} busy`, a))), '');
  }
  if (r.memory) {
    const row = (side: string, mem: SideEcho['memory']) => [side, mem.samples[0]?.messages ?? '–', fmt(mem.rssAtFirstMb), mem.samples.at(-1)?.messages ?? '–', fmt(mem.rssAtEndMb), fmt(mem.rssGrowthPer1000Mb, 2), fmt(mem.heapGrowthPer1000Mb, 2)];
    out.push('## Memory', '', 'RSS and heap after a full GC, sampled every time the process had answered another batch of messages.', '');
    out.push(table(['side', 'first sample at', 'RSS MB', 'last sample at', 'RSS MB', 'RSS growth MB / 1,000 msgs', 'heap growth MB / 1,000 msgs'], [row('Clawline', r.memory.clawline), row('baseline', r.memory.baseline)]), '');
  }
  if (r.startup) {
    out.push('## Start-up with stored credentials', '', 'From spawning the process to the account reporting connected (process uptime at that moment in brackets).', '');
    out.push(table(['side', 'ms to connected', 'process uptime ms'], [['Clawline', fmtSpread(r.startup.clawline, 0), fmtSpread(r.startup.clawlineUptimeMs, 0)], ['baseline', fmtSpread(r.startup.baseline, 0), fmtSpread(r.startup.baselineUptimeMs, 0)], ['ratio', fmtRatio(r.startup.ratio), '']]), '');
  }
  if (r.store) {
    const s = (f: StoreFigures) => [f.opsPerSec, f.messagesPerSec, f.elapsedMs, f.cpuMs, f.fileWrites, Math.round(f.bytesWritten / 1024 / 1024), f.fsyncs, f.filesOnDisk];
    out.push(`## Credential/key store (${r.store.clawline.messages.toLocaleString('en')} messages of recorded key-store traffic, ${r.plan.store.contacts} chats)`, '');
    out.push(`Two replays per side, alternating; the faster of each side's two is shown (ops/s of every run: Clawline ${r.store.opsPerSecRuns.clawline.join(', ')}; baseline ${r.store.opsPerSecRuns.baseline.join(', ')}).`, '');
    out.push(table(['side', 'ops/s', 'msgs/s', 'ms', 'CPU ms', 'file writes', 'MB written', 'fsyncs', 'files on disk'], [['Clawline', ...s(r.store.clawline)], ['baseline', ...s(r.store.baseline)], ['ratio', fmtRatio(r.store.opsPerSecRatio), '', '', '', '', '', '', '']]), '');
  }
  if (r.stateOnDisk) {
    out.push(`State on disk at the end of the echo run: Clawline ${r.stateOnDisk.clawline.files} files / ${Math.round(r.stateOnDisk.clawline.bytes / 1024)} KB, baseline ${r.stateOnDisk.baseline.files} files / ${Math.round(r.stateOnDisk.baseline.bytes / 1024)} KB.`, '');
  }
  return out.join('\n') + '\n';
}

function parseArgs(argv: string[]): BenchOptions {
  const mode: BenchMode = argv.includes('--quick') ? 'quick' : argv.includes('--full') ? 'full' : 'default';
  const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',').filter(Boolean) as BenchSection[] | undefined;
  const bad = only?.filter((s) => !ALL_SECTIONS.includes(s));
  if (bad?.length) throw new Error(`unknown section(s) ${bad.join(', ')}; use ${ALL_SECTIONS.join(', ')}`);
  const out = argv.find((a) => a.startsWith('--out='))?.slice(6);
  return { mode, sections: only, outDir: out, pin: !argv.includes('--no-pin'), command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}` };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = parseArgs(process.argv.slice(2));
  const { report, jsonPath, mdPath } = await runBenchmarks(options);
  process.stdout.write(renderMarkdown(report));
  process.stdout.write(`\nResults: ${jsonPath}\n         ${mdPath}\n`);
}
