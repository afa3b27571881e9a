// Which WhatsApp Web version to announce. An outdated one is the #1 reason a QR never appears,
// so outside tests we ask web.whatsapp.com for the current one (short timeout) and fall back
// to the version bundled with Baileys, saying which one is used. Against the simulator
// (CLAWLINE_WA_URL set) nothing touches the internet.
import { DEFAULT_CONNECTION_CONFIG, fetchLatestWaWebVersion, type WAVersion } from '@whiskeysockets/baileys';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import type { WaWebVersionInfo } from './status.ts';

export interface ResolvedWaVersion extends WaWebVersionInfo {
  tuple: WAVersion;
  /** Why the bundled version is used, when it is. */
  note?: string;
}

export const BUNDLED_WA_VERSION: WAVersion = DEFAULT_CONNECTION_CONFIG.version;

const dotted = (v: WAVersion) => v.join('.');

export interface ResolveVersionOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  clock?: Clock;
  /** Replaceable for tests; defaults to Baileys' fetchLatestWaWebVersion. */
  fetchLatest?: (signal: AbortSignal) => Promise<{ version: WAVersion; isLatest: boolean; error?: unknown }>;
}

export async function resolveWaVersion(options: ResolveVersionOptions = {}): Promise<ResolvedWaVersion> {
  const env = options.env ?? process.env;
  if (env.CLAWLINE_WA_URL) return { tuple: BUNDLED_WA_VERSION, version: dotted(BUNDLED_WA_VERSION), source: 'simulator' };
  const timeoutMs = options.timeoutMs ?? 5_000;
  const fetchLatest = options.fetchLatest ?? ((signal: AbortSignal) => fetchLatestWaWebVersion({ signal }));
  const controller = new AbortController();
  const clock = options.clock ?? systemClock;
  let timer: TimerHandle | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => {
        reject(new Error(`no answer within ${timeoutMs} ms`));
        controller.abort();
      }, timeoutMs);
    });
    const result = await Promise.race([fetchLatest(controller.signal), timeout]);
    if (result.isLatest && isVersion(result.version)) return { tuple: result.version, version: dotted(result.version), source: 'fetched' };
    const why = (result.error as { message?: string } | undefined)?.message ?? 'no version in the answer';
    return { tuple: BUNDLED_WA_VERSION, version: dotted(BUNDLED_WA_VERSION), source: 'bundled', note: `could not fetch the current WhatsApp Web version (${why})` };
  } catch (err) {
    return { tuple: BUNDLED_WA_VERSION, version: dotted(BUNDLED_WA_VERSION), source: 'bundled', note: `could not fetch the current WhatsApp Web version (${(err as Error).message})` };
  } finally {
    clock.clearTimeout(timer);
  }
}

function isVersion(v: unknown): v is WAVersion {
  return Array.isArray(v) && v.length === 3 && v.every((n) => Number.isInteger(n) && n >= 0);
}
