// "Did you mean" for config keys and enum values. Hand-written: twenty lines of edit distance
// do not justify a dependency, and we want case-insensitive hits ranked first.

/** Edit distance counting a swap of two neighbouring letters as one edit ("gropuPolicy"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate if it is plausibly a typo of `input`, else undefined. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const allowed = input.length <= 4 ? 1 : input.length <= 8 ? 2 : 3;
  // The distance is at least the difference in length: candidates that far off are skipped
  // before the quadratic work (a 20 MB value in the config must not cost gigabytes here).
  const near = candidates.filter((c) => Math.abs(c.length - input.length) <= allowed);
  const lower = input.toLowerCase();
  const exactish = near.find((c) => c.toLowerCase() === lower);
  if (exactish) return exactish;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of near) {
    const score = editDistance(lower, c.toLowerCase());
    if (score < bestScore) { best = c; bestScore = score; }
  }
  return best !== undefined && bestScore <= allowed ? best : undefined;
}
