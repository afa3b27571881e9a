// The troubleshooting ladder from the seed guide as one guided flow:
//   1 is the gateway running?  2 is the channel linked?  3 doctor checks  4 recent errors in
//   the logs  5 restart  6 relink
// Each step is diagnostic and the ladder stops at the first step that finds the cause, so
// the user gets one next step, not a list. Only the steps that ran are returned; the last one
// is the verdict.
import type { AccountStatus, DoctorCheckResult } from '../control/contract.ts';
import { isHealthyState } from '../connection/index.ts';
import { tailLogs, type LogEntry } from '../logs/index.ts';
import { statePaths } from '../shared/state-dir.ts';
import { linkCommand, relinkSteps } from './check-types.ts';
import type { DoctorContext, GatewayProbe } from './context.ts';
import { runDoctor } from './doctor.ts';
import { takeSnapshot } from './snapshot.ts';

export type LadderAction = 'start-gateway' | 'restart-gateway' | 'relink' | `fix:${string}`;

export interface LadderStep {
  id: 'gateway' | 'linked' | 'doctor' | 'logs' | 'restart' | 'relink';
  title: string;
  status: DoctorCheckResult['status'];
  finding: string;
  nextStep?: string;
  /** The one button that acts on this step's finding. */
  action?: LadderAction;
}

export interface LadderOptions {
  /** Doctor results already computed (the CLI runs them first); run here when absent. */
  checks?: DoctorCheckResult[];
}

/** How far back step 4 looks for warnings and errors. */
export const LOG_WINDOW_MS = 15 * 60_000;
/** A gateway younger than this counts as "already restarted" at step 5. */
export const RECENT_RESTART_MS = 10 * 60_000;

const ORDER: LadderStep['id'][] = ['gateway', 'linked', 'doctor', 'logs', 'restart', 'relink'];
const TITLES: Record<LadderStep['id'], string> = {
  gateway: 'Is the gateway running?',
  linked: 'Is the channel linked?',
  doctor: 'Doctor checks',
  logs: 'Recent errors in the logs',
  restart: 'Restart',
  relink: 'Relink',
};

function step(id: LadderStep['id'], status: LadderStep['status'], finding: string, extra: { nextStep?: string; action?: LadderAction } = {}): LadderStep {
  return { id, title: TITLES[id], status, finding, ...(extra.nextStep ? { nextStep: extra.nextStep } : {}), ...(extra.action ? { action: extra.action } : {}) };
}

const problem = (s: LadderStep) => s.status === 'warn' || s.status === 'fail';

/** Checks steps 1 and 2 already cover, or step 5 judges (the account's live state). */
const coveredElsewhere = (id: string) => id === 'gateway' || id.startsWith('linked:');

function linkedStep(accounts: AccountStatus[], accountId: string | undefined): LadderStep {
  const relevant = accounts.filter((a) => a.enabled && (!accountId || a.accountId === accountId));
  if (!relevant.length) {
    const id = accountId ?? 'default';
    return step('linked', 'fail', accountId ? `The gateway does not know account "${accountId}".` : 'The gateway runs no WhatsApp account.', {
      nextStep: `Link one: "${linkCommand(id)}".`, action: 'relink',
    });
  }
  const notLinked = relevant.find((a) => a.state === 'not-linked' || a.state === 'logged-out');
  if (notLinked) {
    const what = notLinked.state === 'logged-out' ? 'was logged out' : 'is not linked';
    return step('linked', 'fail', `Account "${notLinked.accountId}" ${what}.${notLinked.cause ? ` ${notLinked.cause}` : ''}`, {
      nextStep: notLinked.nextStep ?? relinkSteps(notLinked.accountId), action: 'relink',
    });
  }
  const list = relevant.map((a) => `"${a.accountId}"${a.self ? ` (${a.self.number})` : ''}: ${a.state}`).join(', ');
  return step('linked', 'ok', `Linked: ${list}.`);
}

function doctorStep(checks: DoctorCheckResult[]): LadderStep {
  const relevant = checks.filter((c) => !coveredElsewhere(c.id));
  const first = relevant.find((c) => c.status === 'fail') ?? relevant.find((c) => c.status === 'warn');
  if (!first) return step('doctor', 'ok', `All ${relevant.length} checks passed (or were skipped).`);
  const others = relevant.filter((c) => c !== first && (c.status === 'fail' || c.status === 'warn')).length;
  return step('doctor', first.status, `${first.title}: ${first.finding}${others ? ` (${others} more problem${others > 1 ? 's' : ''} in the doctor's list)` : ''}`, {
    ...(first.nextStep ? { nextStep: first.nextStep } : {}),
    ...(first.fix ? { action: `fix:${first.id}` as LadderAction } : {}),
  });
}

async function logsStep(ctx: DoctorContext, now: number): Promise<LadderStep> {
  let entries: LogEntry[];
  try {
    // Newest lines first are what matter; cap the scan so a huge log cannot stall the doctor.
    entries = (await tailLogs({ logsDir: statePaths(ctx.stateDir).logs, level: 'warn', limit: 200, maxScanBytes: 16 * 1024 * 1024 })).entries;
  } catch (err) {
    return step('logs', 'skipped', `The logs could not be read: ${(err as Error).message}.`);
  }
  const recent = entries.filter((e) => e.time !== undefined && e.time >= now - LOG_WINDOW_MS && e.time <= now + 60_000
    && (!ctx.accountId || !e.accountId || e.accountId === ctx.accountId));
  if (!recent.length) return step('logs', 'ok', 'No warnings or errors in the last 15 minutes.');
  const errors = recent.filter((e) => e.level === 'error' || e.level === 'fatal').length;
  const newest = recent[recent.length - 1]!;
  const counts = errors ? `${errors} error${errors > 1 ? 's' : ''}${recent.length > errors ? ` and ${recent.length - errors} warning${recent.length - errors > 1 ? 's' : ''}` : ''}` : `${recent.length} warning${recent.length > 1 ? 's' : ''}`;
  const minutesAgo = Math.max(0, Math.round((now - newest.time!) / 60_000));
  return step('logs', errors ? 'fail' : 'warn', `${counts} in the last 15 minutes; newest (${minutesAgo} min ago${newest.accountId ? `, account "${newest.accountId}"` : ''}): ${newest.level} ${newest.msg}`, {
    nextStep: 'Read them with "clawline logs --level warn" (or the Logs page); the message usually names the cause.',
  });
}

function restartSteps(accounts: AccountStatus[], g: Extract<GatewayProbe, { running: true }>, accountId: string | undefined, now: number): LadderStep[] {
  const unhealthy = accounts.filter((a) => a.enabled && (!accountId || a.accountId === accountId) && !isHealthyState(a.state) && a.state !== 'linking');
  if (!unhealthy.length) {
    return [
      step('restart', 'ok', 'Every account is connected: no restart needed.'),
      step('relink', 'ok', 'Nothing points to a relink. No problem found.'),
    ];
  }
  const a = unhealthy[0]!;
  const describe = `Account "${a.accountId}" is ${a.state}${a.cause ? `: ${a.cause}` : '.'}`;
  const restartedRecently = g.startedAt !== undefined && now - g.startedAt < RECENT_RESTART_MS;
  if (!restartedRecently) {
    return [step('restart', 'warn', `${describe} A restart clears most stuck connections.`, {
      nextStep: a.state === 'conflict'
        ? 'Close the other client using this number first, then restart: "clawline gateway restart".'
        : 'Restart the gateway: "clawline gateway restart".',
      action: 'restart-gateway',
    })];
  }
  const since = Math.max(0, Math.round((now - g.startedAt!) / 60_000));
  return [
    step('restart', 'ok', `The gateway was restarted ${since} min ago and it did not help.`),
    step('relink', 'fail', `${describe} It stayed so after a restart, so WhatsApp has probably revoked this session.`, {
      nextStep: relinkSteps(a.accountId), action: 'relink',
    }),
  ];
}

export async function runLadder(ctx: DoctorContext, options: LadderOptions = {}): Promise<LadderStep[]> {
  const snap = takeSnapshot(ctx);
  const steps: LadderStep[] = [];
  const g = await snap.gateway();
  if (!g.running) {
    steps.push(step('gateway', 'fail', `The gateway is not running: nothing listens for WhatsApp messages.${g.note ? ` Note: ${g.note}.` : ''}`, {
      nextStep: 'Start it: "clawline gateway start" (or open the Clawline app).', action: 'start-gateway',
    }));
    return steps;
  }
  steps.push(step('gateway', 'ok', `The gateway is running${g.pid ? ` (pid ${g.pid})` : ''}.`));

  steps.push(linkedStep(g.summary.accounts, ctx.accountId));
  if (problem(steps.at(-1)!)) return steps;

  steps.push(doctorStep(options.checks ?? (await runDoctor(ctx)).checks));
  if (problem(steps.at(-1)!)) return steps;

  steps.push(await logsStep(ctx, snap.now));
  if (problem(steps.at(-1)!)) return steps;

  steps.push(...restartSteps(g.summary.accounts, g, ctx.accountId, snap.now));
  return steps;
}

/** One sentence for the end of the CLI output: where the ladder stopped and what to do. */
export function ladderVerdict(steps: LadderStep[]): string {
  const last = steps.at(-1);
  if (!last) return 'Troubleshooting ladder: did not run.';
  if (!problem(last)) return 'Troubleshooting ladder: no problem found.';
  const n = ORDER.indexOf(last.id) + 1;
  return `Troubleshooting ladder stopped at step ${n} of 6 (${last.title}): ${last.finding}${last.nextStep ? ` Next: ${last.nextStep}` : ''}`;
}
