// Counts decryption failures ("Bad MAC", missing sessions), logs them at a throttled rate and
// asks for one repair reconnect when they come in a burst, at most once per cooldown.
// Memory stays fixed whatever the rate: a ring of the last `burstThreshold` times and a
// bounded set of recent message ids (users reported 168k errors in 2 h exhausting memory).
import type { Clock } from '../shared/clock.ts';

export interface DecryptMonitorOptions {
  /** Failures within `windowMs` that count as a burst. */
  burstThreshold?: number;
  windowMs?: number;
  /** At most one repair per this long. */
  repairCooldownMs?: number;
  /** At most one log line per this long (the first failure always logs). */
  logEveryMs?: number;
}

export interface DecryptFailure {
  messageId?: string;
  chat?: string;
  error?: string;
}

interface WarnLogger { warn(obj: object, msg?: string): void }

const RECENT_IDS_MAX = 512;

export const DEFAULT_DECRYPT_MONITOR = { burstThreshold: 10, windowMs: 60_000, repairCooldownMs: 10 * 60_000, logEveryMs: 30_000 } as const;

export class DecryptFailureMonitor {
  private readonly opts: Required<DecryptMonitorOptions>;
  private readonly ring: number[];
  private ringPos = 0;
  private recentIds = new Set<string>();
  private total = 0;
  private unlogged = 0;
  private lastLogAt = -Infinity;
  private lastRepairAt = -Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly logger: WarnLogger,
    private readonly onBurst: (failuresInWindow: number) => void,
    options: DecryptMonitorOptions = {},
  ) {
    this.opts = { ...DEFAULT_DECRYPT_MONITOR, ...options };
    this.ring = new Array<number>(Math.max(1, this.opts.burstThreshold)).fill(-Infinity);
  }

  /** Failures since the last reset (shown in status as decryptErrors). */
  get count(): number {
    return this.total;
  }

  /** A new connection: the count starts again; the repair cooldown does not. */
  resetCount(): void {
    this.total = 0;
    this.recentIds.clear();
  }

  record(failure: DecryptFailure): void {
    // Baileys reports one failure both as a log line and as a CIPHERTEXT stub: count it once.
    if (failure.messageId) {
      if (this.recentIds.has(failure.messageId)) return;
      this.recentIds.add(failure.messageId);
      if (this.recentIds.size > RECENT_IDS_MAX) this.recentIds.delete(this.recentIds.values().next().value as string);
    }
    const now = this.clock.now();
    this.total++;
    this.unlogged++;
    this.ring[this.ringPos] = now;
    this.ringPos = (this.ringPos + 1) % this.ring.length;

    if (now - this.lastLogAt >= this.opts.logEveryMs) {
      this.logger.warn({ failures: this.unlogged, total: this.total, lastError: failure.error, chat: failure.chat }, `${this.unlogged} message(s) could not be decrypted since the last report`);
      this.unlogged = 0;
      this.lastLogAt = now;
    }

    // The oldest entry of the ring is the threshold-th most recent failure.
    const oldest = this.ring[this.ringPos]!;
    const burst = now - oldest <= this.opts.windowMs;
    if (burst && now - this.lastRepairAt >= this.opts.repairCooldownMs) {
      this.lastRepairAt = now;
      this.onBurst(this.ring.length);
    }
  }
}
