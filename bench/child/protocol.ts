// What a benchmark child (one gateway side in its own process) and the parent (simulator + load)
// say to each other over the Node IPC channel. Both sides of the comparison speak the same words.
import type { FsMeterSnapshot } from './fs-meter.ts';

export type Side = 'clawline' | 'baseline';

export interface ChildConfig {
  side: Side;
  /** Clawline: the state dir (openclaw.json written by the parent). Baseline: a folder holding one auth folder per account. */
  stateDir: string;
  /** Account ids, in order (Clawline: as configured in openclaw.json). */
  accounts: string[];
  simUrl: string;
  simCa: string;
  /** Clawline only: shorter connection timings (reliability suites). */
  fastTimings?: boolean;
  /** Baseline only: answer "pong <message id>" (the reliability suites attribute every reply). */
  replyWithId?: boolean;
  /** Clawline only: also start the loopback control server (hostile-input suite). */
  control?: boolean;
  /** Clawline only: false = do not connect any account (the bad-config suite needs no WhatsApp). */
  connect?: boolean;
  /** Store-replay child only: the key-store workload to replay. */
  replay?: import('../lib/key-workload.ts').KeyWorkload;
}

/** One account's connection as the child sees it. */
export type AccountState = 'qr' | 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'other';

export interface ResourceSample {
  /** ms since the child process started. */
  uptimeMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Peak RSS so far (getrusage ru_maxrss). */
  maxRssBytes: number;
  fs: FsMeterSnapshot;
}

export type ChildMessage =
  | { type: 'ready'; importMs: number; uptimeMs: number }
  | { type: 'account'; accountId: string; state: AccountState; at: number; uptimeMs: number; qr?: string; detail?: string; closedAt?: number; nextRetryAt?: number; attempt?: number }
  | { type: 'sample'; id: number; sample: ResourceSample }
  | { type: 'reply'; id: number; ok: boolean; result?: unknown; error?: string }
  | { type: 'gateway'; controlUrl?: string }
  /** Store-replay child: its measurements, then it exits. */
  | { type: 'result'; result: unknown }
  | { type: 'fatal'; error: string };

export type ParentMessage =
  | { type: 'link'; accountId: string }
  /** gc: run a full garbage collection first (children run with --expose-gc), for leak checks. */
  | { type: 'sample'; id: number; gc?: boolean }
  /** Clawline only: a control operation on the in-process gateway (settings.get, pairing.list...). */
  | { type: 'call'; id: number; op: string; request: unknown }
  /** Stop cleanly (close sockets, flush stores, release locks) and exit 0. */
  | { type: 'stop' };

export const CHILD_CONFIG_ENV = 'CLAWLINE_BENCH_CHILD';
