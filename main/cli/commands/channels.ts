// `clawline channels login | logout | status` — OpenClaw's grammar (`--channel whatsapp` is
// accepted and is the only channel). Works against the running gateway when there is one,
// and on its own otherwise.
import { readdir } from 'node:fs/promises';
import { ExitCode, parseCommand, UsageError, type CliContext } from '../context.ts';
import { inProcessGatewayPort, runningGatewayPort, type GatewayPort } from '../gateway-port.ts';
import { ControlCallError } from '../../control/client.ts';
import type { AccountStatus } from '../../connection/status.ts';
import { renderQrTerminal } from '../../connection/qr.ts';
import { readLinkState } from '../../auth/index.ts';
import { loadConfig, resolveEffectiveConfig } from '../../config/index.ts';

export const summary = 'link (login), unlink (logout) or check (status) your WhatsApp number';

const USAGE = `usage: clawline channels <login|logout|status> [options]   (--channel whatsapp is accepted)
  login     link a WhatsApp number: shows a QR code to scan, or with --code a pairing code
              --account ID     which account (default "default")
              --code PHONE     link by phone number instead: prints an 8-character code
              --json           one JSON object per line: {"event":"qr"|"code"|"linked"|"error",...}
  logout    unlink: removes this device from the phone and moves the credentials to a backup
              --account ID
  status    state of every account (--json); exit 0 all fine, 1 a problem, 3 gateway not running`;

const HEALTHY = new Set(['connected', 'connecting', 'linking']);
/** States in which a linking attempt has ended without linking. */
const ENDED = new Set(['not-linked', 'logged-out', 'conflict', 'stopped']);
const TERMINAL_STALLS = new Set(['qr-expired', 'code-expired', 'cannot-link-now', 'code-rejected']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function errorOf(err: unknown): { cause: string; nextStep?: string } {
  if (err instanceof ControlCallError) return { cause: err.error.message, nextStep: err.error.nextStep };
  const e = err as { message?: string; nextStep?: string };
  return { cause: e.message ?? String(err), ...(e.nextStep ? { nextStep: e.nextStep } : {}) };
}

function accountOf(flags: Record<string, string | true>): string {
  const accountId = typeof flags.account === 'string' ? flags.account : 'default';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(accountId)) throw new UsageError(`--account needs an account id: 1-64 letters, digits, _ or - (got "${accountId}")`);
  return accountId;
}

/** The status JSON other tooling relies on (fixed field names; see docs/cli.md). */
function statusJson(a: AccountStatus) {
  return {
    accountId: a.accountId,
    state: a.state,
    ...(a.cause ? { cause: a.cause } : {}),
    ...(a.nextStep ? { nextStep: a.nextStep } : {}),
    ...(a.self ? { self: { number: a.self.number, ...(a.self.name ? { name: a.self.name } : {}) } } : {}),
    ...(a.lastConnectedAt ? { lastConnectedAt: a.lastConnectedAt } : {}),
    ...(a.lastInboundAt ? { lastInboundAt: a.lastInboundAt } : {}),
    ...(a.lastDisconnect ? { lastDisconnect: { at: a.lastDisconnect.at, ...(a.lastDisconnect.code !== undefined ? { code: a.lastDisconnect.code } : {}), reason: a.lastDisconnect.reason } } : {}),
    reconnectAttempts: a.reconnectAttempts,
  };
}

/**
 * Right after linking, Baileys uploads keys and the phone sends its first sync (which also
 * carries the profile name). Resolves once the socket has been quiet for a moment, or earlier
 * when `enough` holds; bounded, so a chatty account cannot keep the command open. A gateway
 * started only for this login must not stop before: stopping in the middle of that exchange
 * leaves errors in the log and work for the next start.
 */
async function afterFirstSync(port: GatewayPort, accountId: string, enough: (a: AccountStatus) => boolean = () => false): Promise<{ latest?: AccountStatus; settled: boolean }> {
  const quietMs = 1_500;
  const deadline = Date.now() + 15_000;
  let lastFrame: number | undefined;
  let quietSince = Date.now();
  let latest: AccountStatus | undefined;
  while (Date.now() < deadline) {
    await sleep(250);
    const a = (await port.call('status.get', {})).accounts.find((x) => x.accountId === accountId);
    if (!a || a.state !== 'connected') return { latest, settled: true };
    latest = a;
    if (a.lastFrameAt !== lastFrame) { lastFrame = a.lastFrameAt; quietSince = Date.now(); }
    else if (Date.now() - quietSince >= quietMs) return { latest, settled: true };
    if (enough(a)) return { latest, settled: false };
  }
  return { latest, settled: true };
}

async function login(flags: Record<string, string | true>, ctx: CliContext): Promise<number> {
  const accountId = accountOf(flags);
  const phone = typeof flags.code === 'string' ? flags.code : undefined;
  const json = !!flags.json;
  const emit = (obj: Record<string, unknown>) => ctx.out(JSON.stringify(obj));
  const fail = (e: { cause: string; nextStep?: string }) => {
    if (json) emit({ event: 'error', cause: e.cause, ...(e.nextStep ? { nextStep: e.nextStep } : {}) });
    else ctx.err(`${e.cause}${e.nextStep ? `\nNext: ${e.nextStep}` : ''}`);
    return ExitCode.problem;
  };
  const port: GatewayPort = (await runningGatewayPort(ctx)) ?? (await inProcessGatewayPort(ctx));
  let lastQr: string | undefined;
  let lastCode: string | undefined;
  let lastStall: string | undefined;
  let sawLinking = false;
  let linked: AccountStatus | undefined;
  let finished = false;
  let hurry = false;
  let cancelling = false;
  let printing: Promise<void> = Promise.resolve();
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => { resolveDone = r; });
  const finish = (code: number) => { if (!finished) { finished = true; resolveDone(code); } };

  const onStatus = (a: AccountStatus | undefined) => {
    if (!a || finished) return;
    const l = a.linking;
    if (a.state === 'linking') sawLinking = true;
    if (a.state === 'linking' && l?.qr && l.qr !== lastQr && !phone) {
      lastQr = l.qr;
      if (json) emit({ event: 'qr', qr: l.qr, ...(l.qrExpiresAt ? { expiresAt: l.qrExpiresAt } : {}) });
      else {
        const qr = l.qr;
        const expiresAt = l.qrExpiresAt;
        printing = printing.then(async () => {
          ctx.out(await renderQrTerminal(qr));
          ctx.out(`Scan this with WhatsApp on your phone: Settings > Linked devices > Link a device.${expiresAt ? ` It changes in ${Math.max(0, Math.round((expiresAt - Date.now()) / 1000))} s.` : ''}`);
          ctx.out('Waiting for WhatsApp connection...');
        });
      }
    }
    if (a.state === 'linking' && l?.code && l.code !== lastCode) {
      lastCode = l.code;
      if (json) emit({ event: 'code', code: l.code });
      else {
        ctx.out(`Your pairing code: ${l.code}`);
        ctx.out('On the phone: WhatsApp > Settings > Linked devices > Link a device > "Link with phone number instead", then type the code.');
        ctx.out('Waiting for WhatsApp connection...');
      }
    }
    if (a.state === 'connected' && a.self) {
      linked = a;
      finish(ExitCode.ok);
      return;
    }
    const stall = l?.stall;
    if ((stall && TERMINAL_STALLS.has(stall.kind)) || (sawLinking && !l && ENDED.has(a.state))) {
      finish(fail({ cause: stall?.cause ?? a.cause ?? 'Linking did not finish.', nextStep: stall?.nextStep ?? a.nextStep }));
    } else if (stall && stall.kind !== lastStall) {
      // Not the end (e.g. the phone seems offline): say so once, keep waiting.
      lastStall = stall.kind;
      if (!json) ctx.err(`${stall.cause} ${stall.nextStep}`);
    }
  };
  const refresh = () => port.call('status.get', {}).then((s) => onStatus(s.accounts.find((x) => x.accountId === accountId)));

  const off = port.on('status', (s) => onStatus(s.accounts.find((x) => x.accountId === accountId)));
  // Ctrl+C: end the attempt on the gateway too, so it does not keep showing a QR nobody scans.
  const interrupt = () => {
    if (finished) {
      // Already linked, only waiting for the first sync: cut that short (a second Ctrl+C kills).
      hurry = true;
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      return;
    }
    if (cancelling) return;
    cancelling = true;
    if (!json) ctx.err('Cancelled.');
    void port.call('link.cancel', { accountId }).catch(() => {}).finally(() => finish(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    try {
      await port.call('link.start', phone ? { accountId, method: 'code', phone } : { accountId, method: 'qr' });
      await refresh();
    } catch (err) {
      finish(fail(errorOf(err)));
    }
    // Events are the fast path; this slow poll covers a missed event and notices a gateway
    // that went away mid-login (its event socket just goes quiet).
    void (async () => {
      let failures = 0;
      while (!finished) {
        await sleep(1_000);
        if (finished) break;
        try { await refresh(); failures = 0; } catch (err) {
          if (++failures >= 3) finish(fail({ cause: `Lost the gateway while linking: ${errorOf(err).cause}`, nextStep: 'Check it with "clawline gateway status", then run "clawline channels login" again.' }));
        }
      }
    })();
    const code = await done;
    await printing;
    if (code !== ExitCode.ok || !linked?.self) return code;
    // The profile name comes with the phone's first sync, a moment after the connection opens.
    const waited: { latest?: AccountStatus; settled: boolean } = linked.self.name ? { settled: false } : await afterFirstSync(port, accountId, (a) => hurry || !!a.self?.name).catch(() => ({ settled: true }));
    const self = waited.latest?.self ?? linked.self;
    if (json) emit({ event: 'linked', number: self.number, ...(self.name ? { name: self.name } : {}) });
    else ctx.out(`Linked to ${self.number}${self.name ? ` (${self.name})` : ''}. ${port.remote ? 'The running gateway is connected.' : 'Start the gateway with: clawline gateway start'}`);
    if (!port.remote && !waited.settled) {
      if (!json) ctx.out('Finishing the first sync with the phone...');
      await afterFirstSync(port, accountId, () => hurry).catch(() => {});
    }
    return code;
  } finally {
    finished = true;
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    off();
    await port.close();
  }
}

/** The accounts in the config (safe defaults when it has errors), as the gateway sees them. */
async function configuredAccounts(ctx: CliContext) {
  const loaded = await loadConfig(ctx.paths.config, { stateDir: ctx.stateDir }).catch(() => undefined);
  return (loaded?.effective ?? resolveEffectiveConfig({}, { stateDir: ctx.stateDir })).whatsapp.accounts;
}

async function logout(flags: Record<string, string | true>, ctx: CliContext): Promise<number> {
  const accountId = accountOf(flags);
  const authDir = (await configuredAccounts(ctx)).find((a) => a.accountId === accountId)?.authDir;
  // Not even a damaged credential file to move aside: say so instead of claiming a logout.
  if (authDir && (await readdir(authDir).catch(() => [])).length === 0) {
    ctx.out(`Account "${accountId}" is not linked; there is nothing to log out. Link it with: clawline channels login${accountId === 'default' ? '' : ` --account ${accountId}`}`);
    return ExitCode.ok;
  }
  const port = (await runningGatewayPort(ctx)) ?? (await inProcessGatewayPort(ctx));
  try {
    await port.call('account.logout', { accountId });
    ctx.out(`Logged out account "${accountId}": the device is removed from your phone's Linked devices (when WhatsApp could be reached) and the local credentials were moved to a backup folder under ${ctx.paths.backups}. Link again with: clawline channels login${accountId === 'default' ? '' : ` --account ${accountId}`}`);
    return ExitCode.ok;
  } catch (err) {
    const e = errorOf(err);
    ctx.err(`${e.cause}${e.nextStep ? `\nNext: ${e.nextStep}` : ''}`);
    return ExitCode.problem;
  } finally {
    await port.close();
  }
}

/** Without a running gateway: what is on disk, in the same shape. */
async function offlineStatuses(ctx: CliContext): Promise<AccountStatus[]> {
  const out: AccountStatus[] = [];
  for (const account of await configuredAccounts(ctx)) {
    const link = await readLinkState(account.authDir);
    const number = link.me?.id ? `+${link.me.id.split(/[:@]/)[0]}` : undefined;
    const login = `clawline channels login${account.accountId === 'default' ? '' : ` --account ${account.accountId}`}`;
    out.push(link.linked
      ? { accountId: account.accountId, enabled: account.enabled, state: 'stopped', cause: 'Linked, but the Clawline gateway is not running, so nobody answers messages (no active listener).', nextStep: 'Start it: clawline gateway start (or open the Clawline app).', fix: 'start', self: number ? { number, name: link.me?.name } : undefined, reconnectAttempts: 0 }
      : { accountId: account.accountId, enabled: account.enabled, state: 'not-linked', cause: link.problem ?? `Account "${account.accountId}" is not linked to a WhatsApp number yet.`, nextStep: `Link it: ${login}`, fix: 'link', reconnectAttempts: 0 });
  }
  return out;
}

async function status(flags: Record<string, string | true>, ctx: CliContext): Promise<number> {
  const port = await runningGatewayPort(ctx);
  try {
    const accounts = port ? (await port.call('status.get', {})).accounts : await offlineStatuses(ctx);
    if (flags.json) {
      ctx.out(JSON.stringify({ accounts: accounts.map(statusJson) }));
      if (!port) ctx.err('The Clawline gateway is not running (state read from disk). Start it with: clawline gateway start');
    } else {
      if (!port) ctx.out('Gateway: not running (start it with: clawline gateway start)');
      for (const a of accounts) {
        ctx.out(`WhatsApp ${a.accountId}: ${a.state}${a.self ? ` as ${a.self.number}${a.self.name ? ` (${a.self.name})` : ''}` : ''}`);
        if (a.cause) ctx.out(`  ${a.cause}`);
        if (a.nextStep) ctx.out(`  Next: ${a.nextStep}`);
      }
    }
    if (!port) return ExitCode.gatewayNotRunning;
    return accounts.every((a) => HEALTHY.has(a.state) || !a.enabled) ? ExitCode.ok : ExitCode.problem;
  } finally {
    await port?.close();
  }
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { positional, flags } = parseCommand(args, { switches: { json: undefined }, values: ['account', 'code', 'channel'], usage: USAGE });
  if (flags.help) { ctx.out(USAGE); return ExitCode.ok; }
  if (flags.channel !== undefined && flags.channel !== 'whatsapp') throw new UsageError(`Clawline only has the "whatsapp" channel (got --channel ${String(flags.channel)}).`);
  const [sub, ...extra] = positional;
  if (extra.length) throw new UsageError(`unexpected "${extra[0]}"\n${USAGE}`);
  const allowed: Record<string, string[]> = { login: ['account', 'code', 'json', 'channel'], logout: ['account', 'channel'], status: ['json', 'channel'] };
  if (!sub || !allowed[sub]) throw new UsageError(`${sub ? `unknown subcommand "${sub}"` : 'which one?'}\n${USAGE}`);
  const misplaced = Object.keys(flags).find((f) => !allowed[sub]!.includes(f));
  if (misplaced) throw new UsageError(`channels ${sub} does not take --${misplaced}\n${USAGE}`);
  switch (sub) {
    case 'login': return login(flags, ctx);
    case 'logout': return logout(flags, ctx);
    default: return status(flags, ctx);
  }
}
