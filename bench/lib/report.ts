// Turning the measurements into the JSON report (every figure for `clawline` and `baseline`
// plus their ratio) and the Markdown tables for docs/benchmarks.md.
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import type { StepFigures } from '../suites/echo.ts';
import { median, ratio, round, spread, type Spread } from './stats.ts';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  node: string;
  baileys: string;
  /** Simulator and gateway pinned to different cores with taskset. */
  pinned: boolean;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

export function machineInfo(pinned: boolean, baileys: string): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    os: `${osType()} ${release()}`,
    node: process.version,
    baileys,
    pinned,
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
  };
}

/** Repetitions of one step, summarised: medians with spread; failures summed. */
export interface StepSummary {
  runs: number;
  contacts: number;
  accounts: number;
  offeredPerSec?: number;
  throughput: Spread;
  p50Ms: Spread;
  p95Ms: Spread;
  p99Ms: Spread;
  cpuMsPerMsg: Spread;
  fileWritesPerMsg: number | null;
  bytesWrittenPerMsg: number | null;
  fsyncsPerMsg: number | null;
  peakRssMb: number | null;
  sent: number;
  answered: number;
  lost: number;
  duplicates: number;
  stalled: number;
  retryReceiptsFromGateway: number;
  retryReceiptsFromContacts: number;
  simulatorCpuMax: number;
  simulatorBound: boolean;
}

const med = (xs: (number | null)[]) => {
  const v = median(xs.filter((x): x is number => x !== null));
  return v === undefined ? null : round(v, 3);
};

export function summarize(steps: StepFigures[]): StepSummary {
  const first = steps[0]!;
  return {
    runs: steps.length,
    contacts: first.contacts,
    accounts: first.accounts,
    ...(first.offeredPerSec !== undefined ? { offeredPerSec: first.offeredPerSec } : {}),
    throughput: spread(steps.map((s) => s.throughput)),
    p50Ms: spread(steps.map((s) => s.latencyMs.p50)),
    p95Ms: spread(steps.map((s) => s.latencyMs.p95)),
    p99Ms: spread(steps.map((s) => s.latencyMs.p99)),
    cpuMsPerMsg: spread(steps.map((s) => s.cpuMsPerMsg)),
    fileWritesPerMsg: med(steps.map((s) => s.fileWritesPerMsg)),
    bytesWrittenPerMsg: med(steps.map((s) => s.bytesWrittenPerMsg)),
    fsyncsPerMsg: med(steps.map((s) => s.fsyncsPerMsg)),
    peakRssMb: Math.max(...steps.map((s) => s.peakRssMb)),
    sent: sum(steps, (s) => s.sent),
    answered: sum(steps, (s) => s.answered),
    lost: sum(steps, (s) => s.lost),
    duplicates: sum(steps, (s) => s.duplicates),
    stalled: steps.filter((s) => s.stalled).length,
    retryReceiptsFromGateway: sum(steps, (s) => s.retryReceiptsFromGateway),
    retryReceiptsFromContacts: sum(steps, (s) => s.retryReceiptsFromContacts),
    simulatorCpuMax: Math.max(...steps.map((s) => s.simulatorCpu)),
    simulatorBound: steps.some((s) => s.simulatorBound),
  };
}

function sum<T>(xs: T[], f: (x: T) => number): number {
  return xs.reduce((n, x) => n + f(x), 0);
}

/** Both sides of one step and the ratios that matter (clawline / baseline). */
export interface Comparison {
  clawline: StepSummary;
  baseline: StepSummary;
  throughputRatio: number | null;
  p50Ratio: number | null;
  p99Ratio: number | null;
  cpuPerMsgRatio: number | null;
  fileWritesRatio: number | null;
  bytesWrittenRatio: number | null;
}

export function compare(clawline: StepFigures[], baseline: StepFigures[]): Comparison {
  const c = summarize(clawline);
  const b = summarize(baseline);
  return {
    clawline: c,
    baseline: b,
    throughputRatio: ratio(c.throughput.median, b.throughput.median),
    p50Ratio: ratio(c.p50Ms.median, b.p50Ms.median),
    p99Ratio: ratio(c.p99Ms.median, b.p99Ms.median),
    cpuPerMsgRatio: ratio(c.cpuMsPerMsg.median, b.cpuMsPerMsg.median),
    fileWritesRatio: ratio(c.fileWritesPerMsg, b.fileWritesPerMsg),
    bytesWrittenRatio: ratio(c.bytesWrittenPerMsg, b.bytesWrittenPerMsg),
  };
}

/**
 * Highest offered rate a side kept up with: everything answered once, nothing stalled, at least
 * 90 % of the offered rate achieved and p99 under 2 s. null when it kept up with none.
 */
export function maxSustainable(steps: StepFigures[]): number | null {
  const ok = steps.filter((s) => s.offeredPerSec !== undefined && s.lost === 0 && s.duplicates === 0 && !s.stalled &&
    s.throughput >= 0.9 * s.offeredPerSec && (s.latencyMs.p99 ?? Infinity) <= 2000);
  return ok.length ? Math.max(...ok.map((s) => s.offeredPerSec!)) : null;
}

// ------------------------------------------------------------------------------- Markdown

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '–' : String(round(v, digits)));
const fmtSpread = (s: Spread, digits = 1) => (s.median === null ? '–' : s.runs.length > 1 ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : fmt(s.median, digits));
const x = (r: number | null) => (r === null ? '–' : `${round(r, 2)}×`);

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c)).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function failures(s: StepSummary): string {
  return `${s.lost} / ${s.duplicates} / ${s.retryReceiptsFromGateway}+${s.retryReceiptsFromContacts}${s.stalled ? ` (${s.stalled} stalled)` : ''}`;
}

export function stepRows(label: string, c: Comparison): (string | number)[][] {
  const row = (side: string, s: StepSummary) => [
    label, side, fmtSpread(s.throughput), fmtSpread(s.p50Ms, 0), fmtSpread(s.p95Ms, 0), fmtSpread(s.p99Ms, 0), fmtSpread(s.cpuMsPerMsg), fmt(s.fileWritesPerMsg), fmt(s.bytesWrittenPerMsg, 0), fmt(s.fsyncsPerMsg), failures(s),
    `${Math.round(s.simulatorCpuMax * 100)} %${s.simulatorBound ? ' (bound)' : ''}`,
  ];
  return [row('Clawline', c.clawline), row('baseline', c.baseline), [label, 'ratio', x(c.throughputRatio), x(c.p50Ratio), '', x(c.p99Ratio), x(c.cpuPerMsgRatio), x(c.fileWritesRatio), x(c.bytesWrittenRatio), '', '', '']];
}

export const STEP_HEADER = ['step', 'side', 'msg/s', 'p50 ms', 'p95 ms', 'p99 ms', 'CPU-ms/msg', 'file writes/msg', 'bytes written/msg', 'fsyncs/msg', 'lost / dup / retry receipts (gw+contacts)', 'simulator CPU'];

export { fmt, fmtSpread, x as fmtRatio };
