// Every message we send goes through here: paced per chat (a burst of chunks a second apart
// reads like a person, not like spam that gets numbers restricted — failure-modes row 15) and
// retried with backoff when the socket hiccups. All waiting uses the injected clock.
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';

export class SendCancelledError extends Error {
  constructor() {
    super('sending was cancelled because the pipeline stopped');
    this.name = 'SendCancelledError';
  }
}

const TRANSIENT_STATUS = new Set([408, 428, 429, 500, 502, 503, 504, 515]);
const TRANSIENT_MESSAGE = /timed? ?out|connection (?:was )?(?:closed|lost|reset|terminated)|socket (?:hang up|closed)|not open|ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|websocket/i;

/** Closed/reset sockets, timeouts and 5xx-like statuses: worth another try. */
export function isTransientSendError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { output?: { statusCode?: number }; statusCode?: number; status?: number; code?: string; message?: string };
  const status = e.output?.statusCode ?? e.statusCode ?? e.status;
  if (typeof status === 'number' && TRANSIENT_STATUS.has(status)) return true;
  return TRANSIENT_MESSAGE.test(`${e.code ?? ''} ${e.message ?? ''}`);
}

export interface OutboundOptions {
  clock?: Clock;
  /** Minimum time between two sends to the same chat (default 1000 ms). */
  minIntervalMs?: number;
  /** Retries after the first attempt for transient errors (default 3). */
  retries?: number;
  /** First backoff; doubles each retry (default 1000 ms: 1 s, 2 s, 4 s). */
  backoffMs?: number;
  onRetry?: (info: { chatId: string; attempt: number; delayMs: number; err: unknown }) => void;
}

export class OutboundSender {
  private readonly clock: Clock;
  private readonly minIntervalMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private nextSlot = new Map<string, number>();
  private sleepers = new Map<TimerHandle, () => void>();
  private cancelled = false;

  constructor(private readonly options: OutboundOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 1000;
  }

  private sleep(ms: number): Promise<void> {
    if (this.cancelled) return Promise.reject(new SendCancelledError());
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const handle = this.clock.setTimeout(() => {
        this.sleepers.delete(handle);
        resolve();
      }, ms);
      this.sleepers.set(handle, () => reject(new SendCancelledError()));
    });
  }

  /** Runs `op` (one send to `chatId`) in its turn for that chat, retrying transient failures. */
  async send<T>(chatId: string, op: () => Promise<T>): Promise<T> {
    const now = this.clock.now();
    // Reserve the slot synchronously so sends to one chat keep their call order.
    const at = Math.max(now, this.nextSlot.get(chatId) ?? 0);
    this.nextSlot.set(chatId, at + this.minIntervalMs);
    if (this.nextSlot.size > 1000) for (const [k, v] of this.nextSlot) if (v < now) this.nextSlot.delete(k);
    await this.sleep(at - now);
    for (let attempt = 0; ; attempt++) {
      if (this.cancelled) throw new SendCancelledError();
      try {
        return await op();
      } catch (err) {
        if (attempt >= this.retries || !isTransientSendError(err)) throw err;
        const delayMs = this.backoffMs * 2 ** attempt;
        this.options.onRetry?.({ chatId, attempt: attempt + 1, delayMs, err });
        await this.sleep(delayMs);
      }
    }
  }

  /** Stops all waiting sends (they reject with SendCancelledError) and refuses new ones. */
  cancel(): void {
    this.cancelled = true;
    for (const [handle, reject] of this.sleepers) {
      this.clock.clearTimeout(handle);
      reject();
    }
    this.sleepers.clear();
  }
}
