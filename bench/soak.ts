// `npm run soak`: the reliability suites, bounded in time.
//   npm run soak                  the full soak: 200 SIGKILLs per side, 100 connection faults per
//                                 side, 1,000 pairing spammers, the bad-config corpus (20 MB files),
//                                 hostile input (roughly 35-50 min on 2 cores)
//   npm run soak -- --quick       the short form (10 kills, 10 faults, 50 spammers, 1 MB files; ~4 min)
//   --only=crash,storm,pairing,config,hostile   --kills=N   --faults=N   --senders=N   --seed=N
//   --no-baseline                 skip the baseline runs of the crash and storm suites
//   --out=DIR  --no-pin
// Writes <out>/soak-<mode>-<time>.json and .md (and latest-soak.json / .md). Exit code 1 when a
// Clawline target was missed (the baseline's failures are counted, never fatal).
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Progress } from './lib/progress.ts';
import { machineInfo, table, type MachineInfo } from './lib/report.ts';
import { REPO_ROOT, canPin, pinSelf, prepareChildScripts } from './lib/sides.ts';
import { round } from './lib/stats.ts';
import type { Side } from './child/protocol.ts';
import { runCrash, type CrashResult } from './suites/crash.ts';
import { runStorm, type StormResult } from './suites/storm.ts';
import { runPairingSpam, type PairingSpamResult } from './suites/pairing-spam.ts';
import { runBadConfig, type BadConfigResult } from './suites/bad-config.ts';
import { runHostile, type HostileResult } from './suites/hostile.ts';

export type SoakSuite = 'crash' | 'storm' | 'pairing' | 'config' | 'hostile';
export const ALL_SUITES: SoakSuite[] = ['crash', 'storm', 'pairing', 'config', 'hostile'];

export interface SoakOptions {
  quick: boolean;
  suites?: SoakSuite[];
  kills?: number;
  faults?: number;
  senders?: number;
  seed?: number;
  baseline?: boolean;
  outDir?: string;
  pin?: boolean;
  progress?: Progress;
  command?: string;
}

export interface SoakTarget { suite: SoakSuite; goal: string; value: string; met: boolean }

export interface SoakReport {
  tool: 'clawline-soak';
  schema: 1;
  mode: 'quick' | 'full';
  command: string;
  startedAt: string;
  durationSec: number;
  seed: number;
  machine: MachineInfo;
  crash?: Partial<Record<Side, CrashResult>>;
  storm?: Partial<Record<Side, StormResult>>;
  pairing?: PairingSpamResult;
  config?: BadConfigResult;
  hostile?: HostileResult;
  targets: SoakTarget[];
}

export async function runSoak(o: SoakOptions): Promise<{ report: SoakReport; jsonPath: string; mdPath: string }> {
  const suites = o.suites ?? ALL_SUITES;
  const progress = o.progress ?? new Progress();
  const started = Date.now();
  const seed = o.seed ?? 20_250_601;
  const pin = o.pin !== false && canPin();
  if (pin) pinSelf(0);
  const sides: Side[] = o.baseline === false ? ['clawline'] : ['clawline', 'baseline'];
  const scripts = await prepareChildScripts();
  const env = { scripts, progress, gatewayCpu: pin ? 1 : undefined };
  const machine = machineInfo(pin, '7.0.0-rc14');
  const report: SoakReport = {
    tool: 'clawline-soak', schema: 1, mode: o.quick ? 'quick' : 'full', command: o.command ?? `npm run soak${o.quick ? ' -- --quick' : ''}`,
    startedAt: new Date(started).toISOString(), durationSec: 0, seed, machine, targets: [],
  };
  try {
    progress.line(`clawline soak (${report.mode}): ${suites.join(', ')}; seed ${seed}`);
    if (suites.includes('crash')) {
      report.crash = {};
      for (const side of sides) {
        report.crash[side] = await runCrash({
          ...env, side, kills: o.kills ?? (o.quick ? 10 : 200), contacts: 10, ratePerSec: 10, seed,
          drainStallMs: 20_000,
        });
        progress.line(`crash ${side}: ${describeCrash(report.crash[side]!)}`);
      }
    }
    if (suites.includes('storm')) {
      report.storm = {};
      for (const side of sides) {
        report.storm[side] = await runStorm({ ...env, side, faults: o.faults ?? (o.quick ? 10 : 100), contacts: 10, ratePerSec: 10, seed, drainStallMs: 20_000 });
        progress.line(`storm ${side}: ${describeStorm(report.storm[side]!)}`);
      }
    }
    if (suites.includes('pairing')) report.pairing = await runPairingSpam({ ...env, senders: o.senders ?? (o.quick ? 50 : 1_000), repeatEvery: 10, ratePerSec: 25 });
    if (suites.includes('config')) {
      report.config = await runBadConfig({ scripts, progress, huge: !o.quick });
      progress.line(`bad config: ${report.config.passed}/${report.config.cases.length} cases ok`);
    }
    if (suites.includes('hostile')) {
      report.hostile = await runHostile({ ...env, repeatBadRequests: o.quick ? 100 : 1_000 });
      progress.line(`hostile input: ${report.hostile.passed}/${report.hostile.cases.length} cases ok`);
    }
  } finally {
    progress.done();
    await scripts.dispose();
  }
  report.machine.loadAverageAtEnd = loadavg().map((v) => round(v, 2));
  report.durationSec = Math.round((Date.now() - started) / 1000);
  report.targets = soakTargets(report);
  const outDir = o.outDir ?? join(REPO_ROOT, 'bench', 'results');
  await mkdir(outDir, { recursive: true });
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const jsonPath = join(outDir, `soak-${report.mode}-${stamp}.json`);
  const mdPath = join(outDir, `soak-${report.mode}-${stamp}.md`);
  await writeFile(jsonPath, JSON.stringify(report, null, 2) + '\n');
  await writeFile(mdPath, renderSoakMarkdown(report));
  await copyFile(jsonPath, join(outDir, 'latest-soak.json'));
  await copyFile(mdPath, join(outDir, 'latest-soak.md'));
  return { report, jsonPath, mdPath };
}

function notOnce(m: CrashResult['messages']): number {
  return m.answeredTwice + m.lostAfterAck + m.lostBeforeAck;
}

function describeCrash(r: CrashResult): string {
  const m = r.messages;
  return `${r.kills} kills, ${r.corruptLoads} corrupt loads, ${r.files.emptyFiles} empty / ${r.files.unparsableFiles} unparsable files; ${m.answeredOnce}/${m.sent} answered once, ${m.answeredTwice} twice, ${m.lostAfterAck} lost after ack, ${m.lostBeforeAck} lost before; ${r.durationSec} s`;
}

function describeStorm(r: StormResult): string {
  const m = r.messages;
  return `${r.faults} faults, ${r.reconnects} reconnects${r.backoff ? `, ${r.backoff.violations.length} backoff violations of ${r.backoff.checked}` : ''}, min gap ${r.minGapMs} ms; ${m.answeredOnce}/${m.sent} answered once, ${m.answeredTwice} twice, ${m.lostAfterAck + m.lostBeforeAck} lost; ${r.durationSec} s`;
}

export function soakTargets(r: SoakReport): SoakTarget[] {
  const t: SoakTarget[] = [];
  const c = r.crash?.clawline;
  if (c) {
    t.push({ suite: 'crash', goal: `0 corrupt credential loads over ${c.kills} SIGKILLs`, value: `${c.corruptLoads} (${c.files.emptyFiles + c.files.unparsableFiles + c.files.otherStateUnparsable} damaged files)`, met: c.corruptLoads === 0 && c.files.emptyFiles + c.files.unparsableFiles + c.files.credsUnusable + c.files.otherStateUnparsable === 0 });
    t.push({ suite: 'crash', goal: 'every restart connects without a QR', value: `${c.qrNeeded} QR, ${c.stuckRestarts} stuck`, met: c.qrNeeded === 0 && c.stuckRestarts === 0 });
    t.push({ suite: 'crash', goal: 'every message answered exactly once', value: `${c.messages.answeredOnce}/${c.messages.sent} (${notOnce(c.messages)} not)`, met: notOnce(c.messages) === 0 });
  }
  const s = r.storm?.clawline;
  if (s) {
    t.push({ suite: 'storm', goal: `reconnects after each of ${s.faults} faults, never before the backoff allows`, value: `${s.reconnects} reconnects, ${s.backoff?.violations.length ?? '?'} violations${s.stuck ? ', STUCK' : ''}`, met: !s.stuck && s.reconnects >= s.faults && s.backoff?.violations.length === 0 });
    t.push({ suite: 'storm', goal: 'no message lost, none answered twice', value: `${s.messages.answeredOnce}/${s.messages.sent} (${notOnce(s.messages)} not)`, met: notOnce(s.messages) === 0 });
  }
  const p = r.pairing;
  if (p) {
    t.push({ suite: 'pairing', goal: `${p.senders} unknown senders: <= 3 pending requests, <= 3 pairing replies`, value: `${p.pendingRequests} pending, ${p.pairingReplies} replies`, met: p.pendingRequests <= 3 && p.pairingReplies <= 3 });
    t.push({ suite: 'pairing', goal: 'memory flat (heap after GC grows < 5 MB)', value: `${p.heapGrowthMb >= 0 ? '+' : ''}${p.heapGrowthMb} MB`, met: p.heapGrowthMb < 5 });
    t.push({ suite: 'pairing', goal: 'a known contact is still answered', value: p.friendPongMs === null ? 'no answer' : `${p.friendPongMs} ms`, met: p.friendPongMs !== null });
  }
  if (r.config) t.push({ suite: 'config', goal: 'every broken file: clear finding, last good config kept, file untouched, no crash', value: `${r.config.passed}/${r.config.cases.length}`, met: r.config.failed === 0 });
  if (r.hostile) t.push({ suite: 'hostile', goal: 'hostile input: nothing crashes, nothing leaks', value: `${r.hostile.passed}/${r.hostile.cases.length}`, met: r.hostile.failed === 0 });
  return t;
}

export function renderSoakMarkdown(r: SoakReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`# Clawline reliability soak (${r.mode})`, '');
  out.push(`Command: \`${r.command}\` · started ${r.startedAt} · ${Math.round(r.durationSec / 60)} min · seed ${r.seed}`);
  out.push(`Machine: ${m.cpus} × ${m.cpuModel}, ${m.os}, Node ${m.node}; load average ${m.loadAverageAtStart.join(' / ')} at start, ${m.loadAverageAtEnd?.join(' / ') ?? '?'} at end.`, '');
  out.push('## Targets (Clawline)', '', table(['suite', 'goal', 'measured', 'met'], r.targets.map((t) => [t.suite, t.goal, t.value, t.met ? 'yes' : 'no'])), '');
  if (r.crash) {
    const row = (side: string, c?: CrashResult) => c ? [side, c.kills, `${c.killMoments.startup} / ${c.killMoments.afterOpen} / ${c.killMoments.underLoad}`, c.corruptLoads, c.qrNeeded, `${c.files.emptyFiles} / ${c.files.unparsableFiles} / ${c.files.credsUnusable}`, c.messages.sent, c.messages.answeredOnce, c.messages.answeredTwice, c.messages.lostAfterAck, c.messages.lostBeforeAck, `${c.retryReceipts.fromGateway} / ${c.retryReceipts.fromContacts}`, c.restartToConnectedMs.median ?? '–', c.staleLocks] : [side, '–', '', '', '', '', '', '', '', '', '', '', '', ''];
    out.push('## Crash (SIGKILL under 10 contacts × 1 msg/s)', '');
    out.push('Kill moments: during start-up / within 150 ms of `open` / under load. Files: empty / unparsable / unusable creds.json, found after the kills. SIGKILL keeps the page cache, so writes without fsync (the baseline\'s) look safer here than they are after a power cut.', '');
    out.push(table(['side', 'kills', 'moments', 'corrupt loads', 'QR needed', 'damaged files', 'messages', 'answered once', 'twice', 'lost after ack', 'lost before ack', 'retry receipts gw / contacts', 'restart ms (median)', 'stale locks'], [row('Clawline', r.crash.clawline), row('baseline', r.crash.baseline)]), '');
    const stale = r.crash.clawline?.staleLocks ?? 0;
    if (stale) out.push(`${stale} restarts found the killed process's account lock and took it over (its owner pid was dead).`, '');
    for (const side of ['clawline', 'baseline'] as const) {
      const f = r.crash[side]?.failures ?? [];
      if (f.length) out.push(`${side} messages not answered exactly once (first ${f.length}): ${f.map((x) => `${x.id} (${x.replies} replies, ${x.delivered ? 'acked' : 'not acked'}${x.read ? ', read' : ''}, sent ${x.sentVsKillMs} ms from a kill)`).join('; ')}`, '');
    }
  }
  if (r.storm) {
    const row = (side: string, s?: StormResult) => s ? [side, s.faults, Object.entries(s.byKind).map(([k, v]) => `${v} ${k}`).join(', '), s.reconnects, s.recoveries, s.minGapMs ?? '–', s.maxAttempt, s.backoff ? `${s.backoff.violations.length} of ${s.backoff.checked}` : 'n/a (no backoff)', s.messages.sent, s.messages.answeredOnce, s.messages.answeredTwice, s.messages.lostAfterAck + s.messages.lostBeforeAck, `${s.retryReceipts.fromGateway} / ${s.retryReceipts.fromContacts}`] : [side, '–', '', '', '', '', '', '', '', '', '', '', ''];
    out.push('## Disconnect storm', '', table(['side', 'faults', 'kinds', 'reconnects', 'back to connected', 'shortest close→reconnect ms', 'max attempt', 'backoff violations', 'messages', 'answered once', 'twice', 'lost', 'retry receipts gw / contacts'], [row('Clawline', r.storm.clawline), row('baseline', r.storm.baseline)]), '');
  }
  if (r.pairing) {
    const p = r.pairing;
    out.push('## Pairing spam', '', `${p.senders} unknown senders (${p.messages} messages) under the default \`pairing\` policy: ${p.pendingRequests} pending requests, ${p.pairingReplies} pairing replies (${p.sendersAnswered} senders got one), heap after GC ${p.memory[0]?.heapMb} → ${p.memory.at(-1)?.heapMb} MB (RSS ${p.memory[0]?.rssMb} → ${p.memory.at(-1)?.rssMb} MB), a known contact answered in ${p.friendPongMs ?? 'never'} ms afterwards.`, '');
  }
  if (r.config) {
    out.push('## Bad config', '', table(['file', 'group', 'bytes', 'finding (clawline config check)', 'kept last good config', 'file untouched', 'ok'], r.config.cases.map((c) => [c.name, c.group, c.bytes, (c.problem ?? c.finding ?? '').replace(/\|/g, '\\|').slice(0, 160), c.keptSettings ? 'yes' : 'no', c.fileUntouched ? 'yes' : 'no', c.ok ? 'yes' : 'NO'])), '');
  }
  if (r.hostile) {
    const h = r.hostile;
    out.push('## Hostile input', '', table(['group', 'case', 'ok', 'detail'], h.cases.map((c) => [c.group, c.name, c.ok ? 'yes' : 'NO', c.detail.replace(/\|/g, '\\|').slice(0, 140)])), '');
    out.push(`Gateway process: heap after GC ${h.resources.heapBeforeMb} → ${h.resources.heapAfterMb} MB, RSS ${h.resources.rssBeforeMb} → ${h.resources.rssAfterMb} MB, open files ${h.resources.fdsBefore} → ${h.resources.fdsAfter}.`, '');
  }
  return out.join('\n') + '\n';
}

function parseArgs(argv: string[]): SoakOptions {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (name: string) => { const v = value(name); if (v === undefined) return undefined; const n = Number(v); if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a whole number`); return n; };
  const only = value('only')?.split(',').filter(Boolean) as SoakSuite[] | undefined;
  const bad = only?.filter((s) => !ALL_SUITES.includes(s));
  if (bad?.length) throw new Error(`unknown suite(s) ${bad.join(', ')}; use ${ALL_SUITES.join(', ')}`);
  return {
    quick: argv.includes('--quick'), suites: only, kills: num('kills'), faults: num('faults'), senders: num('senders'), seed: num('seed'),
    baseline: !argv.includes('--no-baseline'), outDir: value('out'), pin: !argv.includes('--no-pin'),
    command: `npm run soak${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { report, jsonPath, mdPath } = await runSoak(parseArgs(process.argv.slice(2)));
  process.stdout.write(renderSoakMarkdown(report));
  process.stdout.write(`\nResults: ${jsonPath}\n         ${mdPath}\n`);
  process.exitCode = report.targets.every((t) => t.met) ? 0 : 1;
}
