// `clawline reset --channel whatsapp [--account ID] [--yes] [--json]` — the seed's "nuclear
// option" in one command: stop, log out if possible, move the credentials to a timestamped backup.
import { createInterface } from 'node:readline/promises';
import { ExitCode, parseCommand, UsageError, type CliContext } from '../context.ts';
import { inProcessGatewayPort, runningGatewayPort } from '../gateway-port.ts';
import { ControlCallError } from '../../control/client.ts';

export const summary = 'clean reset of a WhatsApp account (credentials kept in a backup), ready to link again';

const USAGE = `usage: clawline reset --channel whatsapp [--account ID] [--yes] [--json]
  Logs the account out (when WhatsApp can be reached), moves its credentials to a timestamped
  folder under <state dir>/backups and leaves it ready to link again.
  -y, --yes   do not ask (required when not run in a terminal)
  --json      print {"ok": true, "accountId", "backupDir"}`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { positional, flags } = parseCommand(args, { switches: { yes: 'y', json: undefined }, values: ['channel', 'account'], usage: USAGE });
  if (flags.help) { ctx.out(USAGE); return ExitCode.ok; }
  if (positional.length) throw new UsageError(`unexpected "${positional[0]}"\n${USAGE}`);
  if (flags.channel !== 'whatsapp') throw new UsageError(`${flags.channel === undefined ? 'say which channel: --channel whatsapp' : `Clawline only has the "whatsapp" channel (got --channel ${String(flags.channel)})`}\n${USAGE}`);
  const accountId = typeof flags.account === 'string' ? flags.account : 'default';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(accountId)) throw new UsageError(`--account needs an account id: 1-64 letters, digits, _ or - (got "${accountId}")`);
  if (!flags.yes) {
    if (!process.stdin.isTTY) {
      ctx.err(`This logs account "${accountId}" out and moves its credentials to a backup. Nothing was changed; add --yes to confirm.`);
      return ExitCode.usage;
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`Reset WhatsApp account "${accountId}"? It is logged out and its credentials move to a backup folder; you will link again by QR. [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) { ctx.out('Nothing changed.'); return ExitCode.ok; }
  }
  const port = (await runningGatewayPort(ctx)) ?? (await inProcessGatewayPort(ctx));
  try {
    const res = await port.call('account.reset', { accountId });
    if (flags.json) ctx.out(JSON.stringify({ ok: true, accountId, backupDir: res.backupDir ?? null }));
    else {
      ctx.out(`Account "${accountId}" was reset.${res.backupDir ? ` Its old credentials are in ${res.backupDir}` : ' There were no credentials to back up.'}`);
      ctx.out(`Link again with: clawline channels login${accountId === 'default' ? '' : ` --account ${accountId}`}`);
    }
    return ExitCode.ok;
  } catch (err) {
    const e = err instanceof ControlCallError ? err.error : (err as { message: string; nextStep?: string });
    if (flags.json) ctx.out(JSON.stringify({ ok: false, accountId, cause: e.message, ...(e.nextStep ? { nextStep: e.nextStep } : {}) }));
    ctx.err(`${e.message}${e.nextStep ? `\nNext: ${e.nextStep}` : ''}`);
    return ExitCode.problem;
  } finally {
    await port.close();
  }
}
