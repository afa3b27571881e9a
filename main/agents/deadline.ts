// Time limits and cancellation for one agent call, on the injected Clock so tests drive time
// exactly. One AbortSignal covers both the timeout and the caller's own signal; afterwards the
// caller can ask which of the two fired, because they end differently (an error reply to the
// sender vs. no reply at all).
import type { Clock } from '../shared/clock.ts';

export interface Deadline {
  readonly signal: AbortSignal;
  /** True once timeoutMs passed before the work finished. */
  timedOut(): boolean;
  /** True when the caller's signal aborted: the caller does not want a reply any more. */
  callerAborted(): boolean;
  /** Throws the caller's abort reason, if the caller aborted. */
  throwIfCallerAborted(): void;
  dispose(): void;
}

export function startDeadline(clock: Clock, timeoutMs: number, outer?: AbortSignal): Deadline {
  outer?.throwIfAborted();
  const controller = new AbortController();
  let timedOut = false;
  const timer = clock.setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'AbortError'));
  }, timeoutMs);
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut && !outer?.aborted,
    callerAborted: () => outer?.aborted === true,
    throwIfCallerAborted: () => outer?.throwIfAborted(),
    dispose() {
      clock.clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}

/** Waits ms on the clock; rejects with the signal's reason if it aborts first. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Reads a fetch body as text, stopping at maxBytes (a runaway server cannot fill memory). */
export async function readTextCapped(res: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) {
        text += decoder.decode(value.subarray(0, value.byteLength - (bytes - maxBytes)));
        await reader.cancel().catch(() => {});
        return { text, truncated: true };
      }
      text += decoder.decode(value, { stream: true });
    }
    return { text: text + decoder.decode(), truncated: false };
  } finally {
    reader.releaseLock();
  }
}
