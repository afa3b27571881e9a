// `clawline doctor [--fix] [--json] [--account ID]`: every check with a plain-language finding
// and next step, then the troubleshooting ladder's verdict. --fix applies the safe repairs,
// prints what changed and runs everything again; the exit code follows that re-run.
//
// --json prints one object (stable shape, for scripts):
//   {
//     "fixes"?: [ { "id", "ok": bool, "changes": [string], "refused"?: string, "check": Check } ],   // only with --fix
//     "checks": [ Check ],
//     "ladder": [ { "id": "gateway"|"linked"|"doctor"|"logs"|"restart"|"relink", "title", "status",
//                   "finding", "nextStep"?, "action"?: "start-gateway"|"restart-gateway"|"relink"|"fix:<checkId>" } ]
//   }
//   Check = { "id", "title", "status": "ok"|"warn"|"fail"|"skipped", "finding", "nextStep"?, "fix"?: { "label" } }
// Exit codes: 0 no check warns or fails, 1 at least one does, 2 usage error.
import { createDoctorContext, fixAll, ladderVerdict, runDoctor, runLadder, type DoctorCheckResult, type FixAllReport } from '../../doctor/index.ts';
import { ExitCode, parseFlags, UsageError, type CliContext } from '../context.ts';

export const summary = 'find and repair common problems (permissions, credentials, conflicts, clock, network)';

const USAGE = [
  'Usage: clawline doctor [--fix] [--json] [--account ID]',
  '',
  '  --fix           apply the safe repairs, show what changed, then check again',
  '  --json          print {checks, ladder} (and fixes with --fix) as JSON',
  '  --account ID    check only this account',
  '',
  'Exit codes: 0 all checks pass, 1 a check warns or fails, 2 usage error.',
].join('\n');

const MARK: Record<DoctorCheckResult['status'], string> = { ok: '✓', warn: '!', fail: '✗', skipped: '-' };

function printChecks(ctx: CliContext, checks: DoctorCheckResult[], offerFix: boolean): void {
  for (const c of checks) {
    ctx.out(`${MARK[c.status]} ${c.title}: ${c.status === 'skipped' ? 'skipped. ' : ''}${c.finding}`);
    if (c.status === 'ok' || c.status === 'skipped') continue;
    if (c.nextStep) ctx.out(`    next: ${c.nextStep}`);
    if (offerFix && c.fix) ctx.out(`    fix: ${c.fix.label} ("clawline doctor --fix")`);
  }
  const count = (s: DoctorCheckResult['status']) => checks.filter((c) => c.status === s).length;
  ctx.out(`${count('ok')} ok, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}, ${count('fail')} failure${count('fail') === 1 ? '' : 's'}, ${count('skipped')} skipped.`);
}

function printFixes(ctx: CliContext, report: FixAllReport): void {
  if (!report.fixes.length) {
    ctx.out('Nothing to repair automatically.');
    return;
  }
  ctx.out('Repairs:');
  for (const f of report.fixes) {
    if (f.refused) ctx.out(`  ✗ ${f.check.title}: ${f.refused}`);
    else if (!f.changes.length) ctx.out(`  - ${f.check.title}: nothing needed changing.`);
    else for (const change of f.changes) ctx.out(`  ${f.ok ? '✓' : '!'} ${f.check.title}: ${change}`);
  }
  ctx.out('');
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { positional, flags } = parseFlags(args, ['fix', 'json', 'help']);
  if (flags.help) {
    ctx.out(USAGE);
    return ExitCode.ok;
  }
  if (positional.length) throw new UsageError(`unexpected "${positional[0]}"\n${USAGE}`);
  for (const name of Object.keys(flags)) {
    if (!['fix', 'json', 'account'].includes(name)) throw new UsageError(`unknown option --${name}\n${USAGE}`);
  }
  let accountId: string | undefined;
  if (flags.account !== undefined) {
    if (flags.account === true || !/^[A-Za-z0-9_-]{1,64}$/.test(flags.account)) throw new UsageError('--account needs an account id (1-64 letters, digits, _ or -)');
    accountId = flags.account;
  }

  const doctor = createDoctorContext({ stateDir: ctx.stateDir, env: ctx.env, ...(accountId ? { accountId } : {}) });
  let fixReport: FixAllReport | undefined;
  let checks: DoctorCheckResult[];
  if (flags.fix) {
    fixReport = await fixAll(doctor);
    checks = fixReport.checks;
  } else {
    checks = (await runDoctor(doctor)).checks;
  }
  const ladder = await runLadder(doctor, { checks });
  const failing = checks.some((c) => c.status === 'warn' || c.status === 'fail');

  if (flags.json) {
    ctx.out(JSON.stringify({ ...(fixReport ? { fixes: fixReport.fixes } : {}), checks, ladder }, null, 2));
    return failing ? ExitCode.problem : ExitCode.ok;
  }
  ctx.out(`Clawline doctor (state folder: ${ctx.stateDir})`);
  ctx.out('');
  if (fixReport) printFixes(ctx, fixReport);
  if (fixReport && fixReport.fixes.length) ctx.out('After the repairs:');
  printChecks(ctx, checks, !fixReport);
  ctx.out('');
  ctx.out(ladderVerdict(ladder));
  return failing ? ExitCode.problem : ExitCode.ok;
}
