// Small statistics helpers for the benchmark reports.

/** Nearest-rank percentile of an unsorted list (undefined when empty). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of several repetitions plus their spread (min and max). */
export interface Spread {
  median: number | null;
  min: number | null;
  max: number | null;
  runs: number[];
}

export function spread(values: readonly (number | undefined | null)[]): Spread {
  const runs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (runs.length === 0) return { median: null, min: null, max: null, runs: [] };
  return { median: round(median(runs)!), min: round(Math.min(...runs)), max: round(Math.max(...runs)), runs: runs.map(round) };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** clawline / baseline, or null when either is missing or the baseline is 0. */
export function ratio(clawline: number | null | undefined, baseline: number | null | undefined): number | null {
  if (clawline === null || clawline === undefined || baseline === null || baseline === undefined || baseline === 0) return null;
  return round(clawline / baseline, 3);
}

export const MB = 1024 * 1024;
