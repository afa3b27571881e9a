// Liveness from transport activity: any frame the server sends (ping answers included) proves
// the socket is alive. Message silence proves nothing, so a quiet healthy socket is never
// restarted; a socket with no frames at all for `windowMs` is dead and gets replaced.
import type { Clock, TimerHandle } from '../shared/clock.ts';

export const DEFAULT_LIVENESS_WINDOW_MS = 60_000;

export class LivenessWatch {
  private lastFrameAt = 0;
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly onDead: (silentMs: number) => void,
  ) {}

  /** Starts watching; counts the start as activity. */
  start(): void {
    this.stop();
    this.running = true;
    this.lastFrameAt = this.clock.now();
    this.schedule(this.windowMs);
  }

  /** Called for every received frame: cheap, no timer churn. */
  frame(): void {
    this.lastFrameAt = this.clock.now();
  }

  get lastActivityAt(): number {
    return this.lastFrameAt;
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => this.check(), Math.max(1, ms));
  }

  private check(): void {
    if (!this.running) return;
    const silentMs = this.clock.now() - this.lastFrameAt;
    if (silentMs >= this.windowMs) {
      this.stop();
      this.onDead(silentMs);
      return;
    }
    // Wake exactly when the window would run out if nothing else arrives.
    this.schedule(this.windowMs - silentMs);
  }
}
