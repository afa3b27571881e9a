// What to do after a socket closes, and how long to wait: pure functions, table-tested.
// Numbers and names follow OpenClaw's `web.reconnect` so its users' configs carry over.
import type { DisconnectReason } from './disconnect.ts';

export interface ReconnectPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** Cap for any single delay (jitter included). */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
  /** +/- fraction of randomness around each delay, so many clients don't retry in step. */
  jitter: number;
  /** Failed attempts before giving up; 0 = never give up. */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT_POLICY: Readonly<ReconnectPolicy> = Object.freeze({
  initialMs: 2_000,
  maxMs: 30_000,
  factor: 1.8,
  jitter: 0.25,
  maxAttempts: 12,
});

/** A connection that stayed open this long counts as healthy: the attempt counter resets. */
export const DEFAULT_HEARTBEAT_MS = 60_000;

/** Floor for any delay, whatever the config says: a retry loop can never spin. */
export const MIN_RETRY_DELAY_MS = 50;

/** Fills defaults and clamps nonsense (negative, NaN, factor < 1) instead of trusting it. */
export function normalizeReconnectPolicy(input: Partial<ReconnectPolicy> = {}): ReconnectPolicy {
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  const initialMs = Math.max(MIN_RETRY_DELAY_MS, num(input.initialMs, DEFAULT_RECONNECT_POLICY.initialMs));
  const maxMs = Math.max(initialMs, num(input.maxMs, DEFAULT_RECONNECT_POLICY.maxMs));
  const factor = Math.min(10, Math.max(1, num(input.factor, DEFAULT_RECONNECT_POLICY.factor)));
  const jitter = Math.min(1, Math.max(0, num(input.jitter, DEFAULT_RECONNECT_POLICY.jitter)));
  const maxAttempts = Math.max(0, Math.floor(num(input.maxAttempts, DEFAULT_RECONNECT_POLICY.maxAttempts)));
  return { initialMs, maxMs, factor, jitter, maxAttempts };
}

/**
 * Delay before retry number `attempt` (1-based): initial * factor^(attempt-1), capped, then
 * spread by +/- jitter and capped again. `random` returns [0, 1).
 */
export function computeBackoff(policy: ReconnectPolicy, attempt: number, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (n - 1));
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.round(Math.min(policy.maxMs, Math.max(MIN_RETRY_DELAY_MS, base + spread)));
}

export type CloseAction =
  /** Open a new socket at once (515 restart, decrypt repair): not a failure. */
  | { action: 'restart-now' }
  /** Wait, then try again; `attempt` is the number of this retry. */
  | { action: 'retry'; attempt: number; delayMs: number }
  /** Out of attempts: stop and say so. */
  | { action: 'give-up'; attempts: number }
  /** Retrying cannot help (logged out, conflict, linking ended, stopped): stop. */
  | { action: 'stop' };

export interface CloseContext {
  /** 'linking' until the phone has scanned and credentials exist; then 'session'. */
  phase: 'linking' | 'session';
  /** Failed attempts since the connection was last healthy (open past the heartbeat). */
  attempts: number;
  /** 515 restarts since the last open: a second one in a row is treated like a failure. */
  restartsSinceOpen: number;
  policy: ReconnectPolicy;
  random?: () => number;
}

/** Reasons after which retrying is pointless or harmful (loops, bans). */
const TERMINAL: ReadonlySet<DisconnectReason['kind']> = new Set([
  'stopped', 'logged-out', 'replaced', 'lock-busy', 'temporary-ban', 'client-outdated', 'multidevice-mismatch',
  'qr-refs-ended', 'linking-refused', 'passkey-stall', 'code-rejected', 'gave-up',
]);

export function decideAfterClose(reason: DisconnectReason, ctx: CloseContext): CloseAction {
  if (TERMINAL.has(reason.kind)) return { action: 'stop' };
  if (reason.kind === 'restart-required' && ctx.restartsSinceOpen === 0) return { action: 'restart-now' };
  // While linking (nothing scanned yet) a retry would only show a new QR nobody asked for.
  if (ctx.phase === 'linking') return { action: 'stop' };
  // A repair reconnect is already rate-limited by the decrypt monitor's cooldown.
  if (reason.kind === 'decrypt-repair') return { action: 'restart-now' };
  if (ctx.policy.maxAttempts > 0 && ctx.attempts >= ctx.policy.maxAttempts) return { action: 'give-up', attempts: ctx.attempts };
  const attempt = ctx.attempts + 1;
  return { action: 'retry', attempt, delayMs: computeBackoff(ctx.policy, attempt, ctx.random) };
}
