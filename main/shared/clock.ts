// One clock for every timer (QR rotation, backoff, pairing expiry, liveness) so tests can
// drive time exactly with FakeClock instead of sleeping.
export interface TimerHandle { readonly id: number }

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

let nextId = 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    const handle = { id: nextId++, t };
    return handle;
  },
  clearTimeout(handle) {
    if (handle) clearTimeout((handle as unknown as { t: NodeJS.Timeout }).t);
  },
};

/** Deterministic clock for tests: time moves only through advance(). */
export class FakeClock implements Clock {
  private timers = new Map<number, { at: number; fn: () => void }>();
  constructor(private current = 1_700_000_000_000) {}
  now(): number { return this.current; }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = nextId++;
    this.timers.set(id, { at: this.current + Math.max(0, ms), fn });
    return { id };
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle.id);
  }
  /** Pending timer due times, soonest first (for assertions on backoff). */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.current).sort((a, b) => a - b);
  }
  /** Moves time forward, firing due timers in order (timers set while firing are honoured). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.current = next[1].at;
      next[1].fn();
    }
    this.current = target;
  }
}
