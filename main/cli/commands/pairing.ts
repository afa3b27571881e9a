// `clawline pairing list | approve <CODE> [--notify] | dismiss <CODE>` — who may DM the agent.
// OpenClaw's form `pairing approve whatsapp <CODE>` is accepted too.
import { ExitCode, parseCommand, UsageError, type CliContext } from '../context.ts';
import { runningGatewayPort } from '../gateway-port.ts';
import { ControlCallError } from '../../control/client.ts';
import { PairingStore, PairingCodeNotFoundError } from '../../access/index.ts';
import type { PairingRequestView } from '../../control/contract.ts';

export const summary = 'list, approve or dismiss requests from people who want to talk to your agent';

const USAGE = `usage: clawline pairing <list|approve|dismiss> [whatsapp] [CODE] [options]
  list              pending requests (--json)
  approve CODE      let that person talk to your agent (--notify: tell them)
  dismiss CODE      drop the request (not a block: they may ask again)
  --account ID      only that account's requests
  Works with or without a running gateway; --notify needs the gateway to send the message.`;

const CODE = /^[A-HJ-NP-Z2-9]{8}$/;
const ago = (ms: number) => (ms < 60_000 ? `${Math.max(0, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`);

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { positional, flags } = parseCommand(args, { switches: { json: undefined, notify: undefined }, values: ['account', 'channel'], usage: USAGE });
  if (flags.help) { ctx.out(USAGE); return ExitCode.ok; }
  if (flags.channel !== undefined && flags.channel !== 'whatsapp') throw new UsageError(`Clawline only has the "whatsapp" channel (got --channel ${String(flags.channel)}).`);
  // OpenClaw names the channel after the verb: `pairing approve whatsapp CODE`.
  const words = positional.filter((w, i) => !(i === 1 && w.toLowerCase() === 'whatsapp'));
  const [sub, rawCode, ...extra] = words;
  const accountId = typeof flags.account === 'string' ? flags.account : undefined;
  if (accountId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(accountId)) throw new UsageError(`--account needs an account id: 1-64 letters, digits, _ or - (got "${accountId}")`);
  if (sub !== 'list' && sub !== 'approve' && sub !== 'dismiss') throw new UsageError(`${sub ? `unknown subcommand "${sub}"` : 'which one?'}\n${USAGE}`);
  if (sub === 'list' ? rawCode !== undefined || extra.length : extra.length) throw new UsageError(`unexpected "${sub === 'list' ? rawCode : extra[0]}"\n${USAGE}`);
  if (flags.notify && sub !== 'approve') throw new UsageError(`--notify goes with approve\n${USAGE}`);
  const code = rawCode?.replace(/[\s-]/g, "").toUpperCase();
  if (sub !== 'list' && (!code || !CODE.test(code))) {
    throw new UsageError(`${sub} needs the 8-character code from the request (letters and digits without 0, O, 1, I), e.g. clawline pairing ${sub} ABCD2345${rawCode ? ` (got "${rawCode}")` : ''}`);
  }
  const port = await runningGatewayPort(ctx);
  const store = port ? undefined : PairingStore.open(ctx.stateDir);
  try {
    switch (sub) {
      case 'list': {
        const requests: PairingRequestView[] = port ? (await port.call('pairing.list', { accountId })).requests : await store!.list(accountId);
        if (flags.json) { ctx.out(JSON.stringify({ requests })); return ExitCode.ok; }
        if (requests.length === 0) { ctx.out('No pending requests.'); return ExitCode.ok; }
        const now = Date.now();
        for (const r of requests) ctx.out(`${r.code}  ${r.id}${r.name ? ` (${r.name})` : ''}  account ${r.accountId}, asked ${ago(now - r.createdAt)} ago, expires in ${ago(r.expiresAt - now)}`);
        ctx.out('Approve with: clawline pairing approve <CODE> [--notify]');
        return ExitCode.ok;
      }
      case 'approve': {
        let id: string;
        let notified = false;
        if (port) {
          id = (await port.call('pairing.approve', { code: code!, notify: !!flags.notify, accountId })).id;
          notified = !!flags.notify;
        } else {
          id = (await store!.approve(code!, { accountId, notify: false })).request.id;
        }
        if (flags.json) ctx.out(JSON.stringify({ ok: true, id, notified }));
        else {
          ctx.out(`Approved ${id}: they can now talk to your agent.${notified ? ' They were told.' : ''}`);
          if (flags.notify && !port) ctx.out('The gateway is not running, so they were not told; they can simply write again.');
        }
        return ExitCode.ok;
      }
      default: {
        if (port) await port.call('pairing.dismiss', { code: code!, accountId });
        else await store!.dismiss(code!, { accountId });
        if (flags.json) ctx.out(JSON.stringify({ ok: true, code }));
        else ctx.out(`Dismissed request ${code}. (Not a block: they may ask again later.)`);
        return ExitCode.ok;
      }
    }
  } catch (err) {
    if (err instanceof PairingCodeNotFoundError || (err instanceof ControlCallError && err.status === 404)) {
      ctx.err(`No pending request with code ${code}${accountId ? ` for account "${accountId}"` : ''}. It may have expired (requests last 1 hour). See them with: clawline pairing list`);
      return ExitCode.problem;
    }
    throw err;
  } finally {
    await port?.close();
  }
}
