// The last N log lines in memory, for the window's log view, plus live listeners. Lines are
// kept as the serialized strings the file got (cheap to store) and parsed only when read or
// when someone is listening.
import { logFilter, parseLogLine, type LogEntry, type LogQuery } from './log-entry.ts';

export type LogListener = (entry: LogEntry) => void;

export class LogRing {
  private readonly lines: string[] = [];
  private start = 0;
  private readonly listeners = new Set<LogListener>();

  constructor(readonly capacity = 2000) {
    if (!(capacity >= 1)) throw new Error(`logs: ring buffer capacity must be at least 1, got ${capacity}`);
  }

  get size(): number {
    return this.lines.length;
  }

  push(line: string): void {
    const raw = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (this.lines.length < this.capacity) this.lines.push(raw);
    else {
      this.lines[this.start] = raw;
      this.start = (this.start + 1) % this.capacity;
    }
    if (this.listeners.size === 0) return;
    const entry = parseLogLine(raw);
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch {
        // a broken listener (closed window) must not break logging for everyone else
      }
    }
  }

  /** The newest `limit` matching entries, oldest first. */
  recent(query: LogQuery & { limit?: number } = {}): LogEntry[] {
    const limit = query.limit ?? this.capacity;
    const matches = logFilter(query);
    const out: LogEntry[] = [];
    for (let i = this.lines.length - 1; i >= 0 && out.length < limit; i--) {
      const entry = parseLogLine(this.lines[(this.start + i) % this.lines.length]!);
      if (matches(entry)) out.push(entry);
    }
    return out.reverse();
  }

  /** Calls `listener` for every new line; returns the unsubscribe function. */
  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
