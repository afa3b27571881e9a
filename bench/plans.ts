// How big each run is. `--quick` is a smoke run (~2 min), the default fits ~10-15 min on a
// 2-core machine, `--full` follows benchmark-method.md all the way (memory to 20,000 messages,
// 5 repetitions, offered rates up to 100 msg/s) and takes much longer.
import type { KeyWorkload } from './lib/key-workload.ts';
import { DEFAULT_KEY_WORKLOAD } from './lib/key-workload.ts';
import type { EchoPlan } from './suites/echo.ts';

export type BenchMode = 'quick' | 'default' | 'full';

export interface BenchPlan {
  echo: EchoPlan;
  store: KeyWorkload;
}

export const BENCH_PLANS: Record<BenchMode, BenchPlan> = {
  quick: {
    echo: {
      contacts: 3, reps: 1, burstPerContact: 5, closedTotal: 30, rates: [10], rateDurationMs: 3_000,
      scaling: [{ contacts: 1, closedTotal: 10, burstPerContact: 5 }],
      accounts: { counts: [1, 2], contactsPerAccount: 2, closedTotal: 10 },
      memory: { targetMessages: 200, sampleEvery: 100, contacts: 3 },
      startupRuns: 1, stallMs: 10_000,
    },
    store: { ...DEFAULT_KEY_WORKLOAD, messages: 1_000 },
  },
  default: {
    echo: {
      contacts: 10, reps: 3, burstPerContact: 20, closedTotal: 200, rates: [10, 25, 50], rateDurationMs: 8_000,
      scaling: [{ contacts: 1, closedTotal: 40, burstPerContact: 10 }, { contacts: 50, closedTotal: 300, burstPerContact: 4 }],
      accounts: { counts: [1, 2, 4], contactsPerAccount: 5, closedTotal: 60 },
      memory: { targetMessages: 10_000, sampleEvery: 1_000, contacts: 10 },
      startupRuns: 3, stallMs: 10_000,
    },
    store: DEFAULT_KEY_WORKLOAD,
  },
  full: {
    echo: {
      contacts: 10, reps: 5, burstPerContact: 30, closedTotal: 300, rates: [10, 25, 50, 100], rateDurationMs: 15_000,
      scaling: [{ contacts: 1, closedTotal: 100, burstPerContact: 20 }, { contacts: 50, closedTotal: 500, burstPerContact: 6 }],
      accounts: { counts: [1, 2, 4], contactsPerAccount: 5, closedTotal: 100 },
      memory: { targetMessages: 20_000, sampleEvery: 1_000, contacts: 10 },
      startupRuns: 5, stallMs: 15_000,
    },
    store: DEFAULT_KEY_WORKLOAD,
  },
};
