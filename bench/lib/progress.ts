// Progress while a benchmark or soak runs: one line per step, and on a terminal a live status
// line (rewritten in place) so a 10-minute run never looks stuck.
export class Progress {
  private readonly started = Date.now();
  private status = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly tty: boolean;
  private lastLogged = 0;

  constructor(private readonly out: NodeJS.WriteStream | null = process.stderr, private readonly quiet = false) {
    this.tty = !!out?.isTTY;
    if (this.tty && !quiet) {
      this.timer = setInterval(() => this.draw(), 1000);
      this.timer.unref();
    }
  }

  private clock(): string {
    const s = Math.floor((Date.now() - this.started) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  }

  private draw(): void {
    if (!this.tty || !this.out || !this.status) return;
    this.out.write(`\r\x1b[2K[${this.clock()}] ${this.status}`);
  }

  /** A finished step (kept in the scrollback). */
  line(text: string): void {
    if (this.quiet || !this.out) return;
    if (this.tty) this.out.write('\r\x1b[2K');
    this.out.write(`[${this.clock()}] ${text}\n`);
    this.draw();
  }

  /** What is happening now: a live line on a terminal; in a log, a line every 30 s at most. */
  set(text: string): void {
    this.status = text;
    if (this.tty) this.draw();
    else if (!this.quiet && this.out && Date.now() - this.lastLogged >= 30_000) {
      this.lastLogged = Date.now();
      this.out.write(`[${this.clock()}] … ${text}\n`);
    }
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty && this.out && !this.quiet) this.out.write('\r\x1b[2K');
    this.status = '';
  }
}
