// The facts one doctor run looks at, gathered once and shared by every check: the gateway's
// answer, the config, the accounts, each account folder's report and the locks. Lazy and
// memoized, so a single fixCheck() reads only what its check needs.
import { inspectAuthDir, type AuthDirReport } from '../auth/index.ts';
import { ConfigReadError, loadConfig, type LoadedConfig } from '../config/index.ts';
import { discoverAccountIds } from '../connection/index.ts';
import type { AccountStatus } from '../control/contract.ts';
import { statePaths, type StatePaths } from '../shared/state-dir.ts';
import type { DoctorContext, GatewayProbe } from './context.ts';
import { inspectLocks, type LockInfo } from './locks.ts';

export type ConfigLoad = { ok: true; config: LoadedConfig } | { ok: false; message: string };

export interface Snapshot {
  ctx: DoctorContext;
  paths: StatePaths;
  now: number;
  gateway(): Promise<GatewayProbe>;
  config(): Promise<ConfigLoad>;
  /** Accounts to check: --account, else discovered folders, configured accounts and the gateway's. */
  accounts(): Promise<string[]>;
  authDir(accountId: string): Promise<string>;
  auth(accountId: string): Promise<AuthDirReport>;
  locks(): Promise<LockInfo[]>;
  /** The running gateway's status for the account, if it runs and knows it. */
  statusOf(accountId: string): Promise<AccountStatus | undefined>;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

export function takeSnapshot(ctx: DoctorContext): Snapshot {
  const paths = statePaths(ctx.stateDir);
  const now = ctx.clock.now();
  const gateway = once(async (): Promise<GatewayProbe> => {
    if (!ctx.gateway) return { running: false };
    try {
      return await ctx.gateway.probe();
    } catch (err) {
      return { running: false, note: `asking the gateway failed: ${(err as Error).message}` };
    }
  });
  const config = once(async (): Promise<ConfigLoad> => {
    try {
      return { ok: true, config: await loadConfig(paths.config, { stateDir: ctx.stateDir }) };
    } catch (err) {
      return { ok: false, message: err instanceof ConfigReadError ? err.message : String((err as Error).message ?? err) };
    }
  });
  const configuredDirs = once(async (): Promise<Map<string, string>> => {
    const c = await config();
    const map = new Map<string, string>();
    if (c.ok && c.config.exists && c.config.effective) for (const a of c.config.effective.whatsapp.accounts) map.set(a.accountId, a.authDir);
    return map;
  });
  const accounts = once(async (): Promise<string[]> => {
    if (ctx.accountId) return [ctx.accountId];
    const ids = new Set(await discoverAccountIds(ctx.stateDir));
    for (const id of (await configuredDirs()).keys()) ids.add(id);
    const g = await gateway();
    if (g.running) for (const a of g.summary.accounts) ids.add(a.accountId);
    if (ids.size === 0) ids.add('default');
    return [...ids].sort();
  });
  const authDir = async (accountId: string) => (await configuredDirs()).get(accountId) ?? paths.accountAuthDir(accountId);
  const reports = new Map<string, Promise<AuthDirReport>>();
  const auth = (accountId: string) => {
    let p = reports.get(accountId);
    if (!p) {
      p = authDir(accountId).then((dir) => inspectAuthDir(dir, { keyProvider: ctx.keyProvider ?? null, now }));
      reports.set(accountId, p);
    }
    return p;
  };
  const locks = once(async () => {
    const all = await inspectLocks(ctx.stateDir, now);
    return ctx.accountId ? all.filter((l) => l.accountId === ctx.accountId) : all;
  });
  const statusOf = async (accountId: string) => {
    const g = await gateway();
    return g.running ? g.summary.accounts.find((a) => a.accountId === accountId) : undefined;
  };
  return { ctx, paths, now, gateway, config, accounts, authDir, auth, locks, statusOf };
}
