// Running the checks and their repairs. The list's order is the order users read them in and
// the order --fix repairs in (moving legacy files comes before fixing their permissions).
import type { DoctorCheckResult } from '../control/contract.ts';
import { checkId, result, type CheckDefinition } from './check-types.ts';
import { gatewayCheck, instanceLockCheck, linkedCheck, phoneOfflineCheck } from './checks-accounts.ts';
import { configCheck, configModeCheck, credentialsCheck, legacyLayoutCheck, permissionsCheck, staleLockCheck } from './checks-files.ts';
import { clockSkewCheck, diskSpaceCheck, openclawGatewayCheck, reachabilityCheck, runtimeCheck } from './checks-system.ts';
import type { DoctorContext } from './context.ts';
import { takeSnapshot, type Snapshot } from './snapshot.ts';

export const CHECKS: readonly CheckDefinition[] = [
  runtimeCheck,
  configCheck,
  configModeCheck,
  legacyLayoutCheck,
  permissionsCheck,
  credentialsCheck,
  gatewayCheck,
  linkedCheck,
  phoneOfflineCheck,
  instanceLockCheck,
  staleLockCheck,
  openclawGatewayCheck,
  reachabilityCheck,
  clockSkewCheck,
  diskSpaceCheck,
];

export interface DoctorReport {
  checks: DoctorCheckResult[];
}

/** A check that threw is itself a finding, never a crash of the whole doctor. */
async function runOne(def: CheckDefinition, snap: Snapshot, accountId: string): Promise<DoctorCheckResult> {
  try {
    return await def.run(snap, accountId);
  } catch (err) {
    return result(checkId(def, accountId), def.key, 'fail', `This check could not run: ${(err as Error).message}`, {
      nextStep: 'Run "clawline doctor" again; if it repeats, export diagnostics and report it.',
    });
  }
}

async function runAll(snap: Snapshot): Promise<DoctorCheckResult[]> {
  const accounts = await snap.accounts();
  const groups = await Promise.all(CHECKS.map((def) => Promise.all((def.perAccount ? accounts : ['']).map((id) => runOne(def, snap, id)))));
  return groups.flat();
}

export async function runDoctor(ctx: DoctorContext): Promise<DoctorReport> {
  return { checks: await runAll(takeSnapshot(ctx)) };
}

/** What one repair did. `check` is the check as it stands after the repair. */
export interface FixResult {
  ok: boolean;
  check: DoctorCheckResult;
  /** What changed on disk, in words (empty when nothing was done). */
  changes: string[];
  /** Why nothing was done (e.g. the gateway has the files open), when refused. */
  refused?: string;
}

function findDefinition(id: string): { def: CheckDefinition; accountId: string } | undefined {
  const colon = id.indexOf(':');
  const key = colon >= 0 ? id.slice(0, colon) : id;
  const accountId = colon >= 0 ? id.slice(colon + 1) : '';
  const def = CHECKS.find((d) => d.key === key && !!d.perAccount === colon >= 0);
  if (!def || (def.perAccount && !/^[A-Za-z0-9_-]{1,64}$/.test(accountId))) return undefined;
  return { def, accountId };
}

const settled = (c: DoctorCheckResult) => c.status === 'ok' || c.status === 'skipped';

/** Repairs one check (if it has a repair and still needs one), then runs it again. */
export async function fixCheck(id: string, ctx: DoctorContext): Promise<FixResult> {
  const found = findDefinition(id);
  if (!found) {
    return { ok: false, changes: [], check: result(id, id, 'fail', `There is no doctor check "${id}".`, { nextStep: 'Run "clawline doctor --json" for the list of check ids.' }) };
  }
  const { def, accountId } = found;
  const before = await runOne(def, takeSnapshot(ctx), accountId);
  if (settled(before)) return { ok: true, check: before, changes: [] };
  if (!def.fix || !before.fix) {
    return { ok: false, check: before, changes: [], refused: `This problem has no automatic repair.${before.nextStep ? ` ${before.nextStep}` : ''}` };
  }
  let changes: string[] = [];
  try {
    const outcome = await def.fix(takeSnapshot(ctx), accountId);
    if ('refused' in outcome) return { ok: false, check: before, changes: [], refused: outcome.refused };
    changes = outcome.changes;
  } catch (err) {
    const after = await runOne(def, takeSnapshot(ctx), accountId);
    return { ok: false, check: after, changes, refused: `The repair failed: ${(err as Error).message}` };
  }
  const after = await runOne(def, takeSnapshot(ctx), accountId);
  return { ok: settled(after), check: after, changes };
}

export interface FixAllReport {
  /** One entry per repair attempted, in order. */
  fixes: Array<FixResult & { id: string }>;
  /** Every check, run again after the repairs. */
  checks: DoctorCheckResult[];
}

/**
 * `doctor --fix`: applies every available repair (all of them are safe: see checks-files.ts),
 * then runs everything again. A repair can reveal another problem (moved legacy files with open
 * permissions), so a second pass handles repairs that were not tried yet.
 */
export async function fixAll(ctx: DoctorContext): Promise<FixAllReport> {
  const fixes: FixAllReport['fixes'] = [];
  const tried = new Set<string>();
  let checks = (await runDoctor(ctx)).checks;
  for (let pass = 0; pass < 2; pass++) {
    const todo = checks.filter((c) => !settled(c) && c.fix && !tried.has(c.id));
    if (!todo.length) break;
    for (const c of todo) {
      tried.add(c.id);
      fixes.push({ id: c.id, ...(await fixCheck(c.id, ctx)) });
    }
    checks = (await runDoctor(ctx)).checks;
  }
  return { fixes, checks };
}
