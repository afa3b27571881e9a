// When the primary phone was last seen. WhatsApp unlinks companion devices whose phone stays
// offline ~14 days (failure-modes row 16); remembering the last sign of life across restarts
// lets the status warn a couple of days before that happens.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import { statePaths } from '../shared/state-dir.ts';

/** Writes at most once per this long: the value only matters at day resolution. */
const PERSIST_EVERY_MS = 3_600_000;

export class PhoneActivity {
  private lastSeen: number | undefined;
  private persisted: number | undefined;
  private loaded = false;
  private readonly file: string;

  constructor(stateDir: string, accountId: string, private readonly onError: (err: Error) => void) {
    this.file = join(statePaths(stateDir).clawline, `phone-seen-${accountId}.json`);
  }

  get lastSeenAt(): number | undefined {
    return this.lastSeen;
  }

  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as { lastSeenAt?: unknown };
      if (typeof parsed.lastSeenAt === 'number' && Number.isFinite(parsed.lastSeenAt)) this.lastSeen = this.persisted = parsed.lastSeenAt;
    } catch {
      // Missing or damaged: start counting from the next sign of life.
    }
  }

  /** The phone showed life at `at`; returns true when the value moved. */
  seen(at: number): boolean {
    if (this.lastSeen !== undefined && at <= this.lastSeen) return false;
    this.lastSeen = at;
    if (this.persisted === undefined || at - this.persisted >= PERSIST_EVERY_MS) {
      this.persisted = at;
      writeFileAtomic(this.file, JSON.stringify({ lastSeenAt: at }) + '\n').catch(this.onError);
    }
    return true;
  }

  /** Logged out / reset: the next link starts fresh. */
  async forget(): Promise<void> {
    this.lastSeen = this.persisted = undefined;
    await rm(this.file, { force: true });
  }
}
