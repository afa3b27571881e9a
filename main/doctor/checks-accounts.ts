// Checks on the gateway and each account: is anything listening, is the account linked (or
// logged out), has it been offline long enough for WhatsApp to drop it, and does a second
// Clawline process hold its lock.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CREDS_FILE } from '../auth/index.ts';
import { describeReason } from '../connection/index.ts';
import { checkId, formatAge, jidNumber, linkCommand, relinkSteps, result, type CheckDefinition } from './check-types.ts';
import type { Snapshot } from './snapshot.ts';

const DAY = 86_400_000;
/** WhatsApp drops linked devices after about 14 days without a connection; warn two days before. */
export const OFFLINE_WARN_DAYS = 12;
export const OFFLINE_UNLINK_DAYS = 14;

const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

export const gatewayCheck: CheckDefinition = {
  key: 'gateway',
  async run(snap) {
    const title = 'Gateway';
    const g = await snap.gateway();
    if (g.running) {
      const n = g.summary.accounts.length;
      const since = g.startedAt ? `, since ${time(g.startedAt)}` : '';
      return result('gateway', title, 'ok', `The gateway is running${g.pid ? ` (pid ${g.pid}${since})` : since} with ${n} account${n === 1 ? '' : 's'}.`);
    }
    return result('gateway', title, 'warn',
      `The gateway is not running, so nothing listens for WhatsApp messages (no active listener) and replies cannot be sent.${g.note ? ` Note: ${g.note}.` : ''}`, {
        nextStep: 'Start it: "clawline gateway start" (or open the Clawline app).',
      });
  },
};

export const linkedCheck: CheckDefinition = {
  key: 'linked',
  perAccount: true,
  async run(snap, accountId) {
    const id = checkId(linkedCheck, accountId);
    const title = `WhatsApp account "${accountId}"`;
    const status = await snap.statusOf(accountId);
    if (status) {
      if (!status.enabled) return result(id, title, 'skipped', 'The account is disabled in the config.');
      const who = status.self ? ` as ${status.self.number}` : '';
      const cause = status.cause ? ` ${status.cause}` : '';
      const next = (fallback: string) => ({ nextStep: status.nextStep ?? fallback });
      switch (status.state) {
        case 'connected': return result(id, title, 'ok', `Linked${who} and connected.`);
        case 'connecting': return result(id, title, 'ok', `Linked${who}; connecting now.`);
        case 'linking': return result(id, title, 'ok', 'A link is in progress (QR code or pairing code on screen).');
        case 'not-linked': return result(id, title, 'warn', `Not linked.${cause}`, next(`Link it: "${linkCommand(accountId)}".`));
        case 'logged-out': return result(id, title, 'fail', `Linked session logged out.${cause}`, next(relinkSteps(accountId)));
        case 'conflict': return result(id, title, 'fail', `Session conflict: another client is using this WhatsApp session.${cause}`, next('Close the other client (another Clawline, OpenClaw, a browser tab of WhatsApp Web), then restart the gateway.'));
        case 'reconnecting': return result(id, title, 'warn', `Linked${who} but reconnecting (attempt ${status.reconnectAttempts}).${cause}`, next('Wait a minute; if it keeps failing run "clawline gateway restart".'));
        case 'stopped': return result(id, title, 'warn', `Linked${who} but stopped.${cause}`, next('Restart it: "clawline gateway restart".'));
      }
    }
    const report = await snap.auth(accountId);
    const { link } = report;
    if (!link.verified) return result(id, title, 'skipped', `The credentials are encrypted and could not be read here; ${link.linked ? 'they look linked' : 'no credentials found'}.`);
    if (link.linked) {
      const note = (await snap.gateway()).running ? '' : ' (the gateway is not running, so the connection itself was not checked)';
      return result(id, title, 'ok', `Linked as ${jidNumber(link.me!.id)}${note}.`);
    }
    if (link.source) {
      return result(id, title, 'fail', 'Linked but logged out: the credentials exist but name no linked phone, so the link never finished or WhatsApp logged this device out.', {
        nextStep: relinkSteps(accountId),
      });
    }
    if (link.problem) return result(id, title, 'fail', 'Not usable: the credentials are damaged and have no valid backup (see the credentials check).', { nextStep: relinkSteps(accountId) });
    return result(id, title, 'warn', 'Not linked to a WhatsApp number yet.', {
      nextStep: `Link it: "${linkCommand(accountId)}" and scan the QR code (WhatsApp → Settings → Linked devices → Link a device).`,
    });
  },
};

/** When the account was last known to be connected: the gateway's status, else the credential files. */
async function lastConnected(snap: Snapshot, accountId: string): Promise<{ at: number; source: string } | undefined> {
  const status = await snap.statusOf(accountId);
  if (status?.lastConnectedAt) return { at: status.lastConnectedAt, source: 'the gateway' };
  const dir = (await snap.auth(accountId)).dir;
  let at = 0;
  const s = await stat(join(dir, CREDS_FILE)).catch(() => undefined);
  if (s) at = s.mtimeMs;
  // Baileys stamps account syncs (seconds) into plain creds; encrypted files only give the mtime.
  try {
    const creds = JSON.parse(await readFile(join(dir, CREDS_FILE), 'utf8')) as { lastAccountSyncTimestamp?: unknown };
    const t = creds.lastAccountSyncTimestamp;
    if (typeof t === 'number' && t > 0) at = Math.max(at, t < 1e12 ? t * 1000 : t);
  } catch { /* encrypted or unreadable: the mtime stands */ }
  return at ? { at, source: 'the credential files' } : undefined;
}

export const phoneOfflineCheck: CheckDefinition = {
  key: 'phone-offline',
  perAccount: true,
  async run(snap, accountId) {
    const id = checkId(phoneOfflineCheck, accountId);
    const title = `Time offline of "${accountId}"`;
    const status = await snap.statusOf(accountId);
    if (status?.state === 'connected') return result(id, title, 'ok', 'Connected now.');
    const report = await snap.auth(accountId);
    const linked = status ? !['not-linked', 'logged-out', 'linking'].includes(status.state) : report.link.linked;
    if (!linked) return result(id, title, 'skipped', 'Not linked, nothing to keep alive.');
    const last = await lastConnected(snap, accountId);
    if (!last) return result(id, title, 'skipped', 'No record of when this account was last connected.');
    const age = snap.now - last.at;
    const days = Math.floor(age / DAY);
    if (age < OFFLINE_WARN_DAYS * DAY) return result(id, title, 'ok', `Last connected ${formatAge(Math.max(0, age))} ago (per ${last.source}).`);
    const gone = age >= OFFLINE_UNLINK_DAYS * DAY;
    return result(id, title, gone ? 'fail' : 'warn',
      `Not connected for ${days} days (since ${time(last.at)}, per ${last.source}). WhatsApp removes linked devices that stay offline for about ${OFFLINE_UNLINK_DAYS} days${gone ? ', so this link has probably been removed already' : ''}.`, {
        nextStep: gone
          ? `Start the gateway ("clawline gateway start"); if the account then reports "logged out", link it again with "${linkCommand(accountId)}".`
          : 'Start the gateway now ("clawline gateway start") and keep the phone online, so the link stays alive.',
      });
  },
};

// describeReason's words for a lock held elsewhere, so a status saying so is recognized here.
const LOCK_BUSY = describeReason({ kind: 'lock-busy' });

export const instanceLockCheck: CheckDefinition = {
  key: 'instance-lock',
  async run(snap) {
    const title = 'Second Clawline process';
    const g = await snap.gateway();
    const problems: string[] = [];
    let fail = false;
    for (const lock of await snap.locks()) {
      if (lock.state !== 'held') continue;
      if (g.running && lock.owner && lock.owner.pid === g.pid) continue;
      if (lock.ownerAlive === true) {
        const started = lock.owner!.startedAt ? `, started ${time(lock.owner!.startedAt)}` : '';
        if (g.running) {
          fail = true;
          problems.push(`another Clawline process (pid ${lock.owner!.pid}${started}) runs account "${lock.accountId}" besides the gateway (pid ${g.pid ?? '?'})`);
        } else {
          problems.push(`Clawline process ${lock.owner!.pid}${started} holds account "${lock.accountId}" but no gateway answers here (a "clawline channels login" still running, or a gateway that hangs)`);
        }
      } else if (lock.owner && lock.ownerAlive === undefined) {
        problems.push(`account "${lock.accountId}" is locked by a Clawline on another computer (${lock.owner.hostname}, pid ${lock.owner.pid}) sharing this folder`);
      } else if (!lock.owner && g.running) {
        problems.push(`account "${lock.accountId}" is locked by an unknown Clawline process`);
      }
    }
    if (g.running) {
      for (const a of g.summary.accounts) {
        if (snap.ctx.accountId && a.accountId !== snap.ctx.accountId) continue;
        if (a.lastDisconnect?.reason.startsWith(LOCK_BUSY) && a.state !== 'connected') {
          fail = true;
          problems.push(`the gateway cannot run account "${a.accountId}": ${a.lastDisconnect.reason}`);
        }
      }
    }
    if (!problems.length) return result('instance-lock', title, 'ok', 'No other Clawline process uses these accounts.');
    return result('instance-lock', title, fail ? 'fail' : 'warn', `${problems.join('; ')}. Two clients on one WhatsApp session log each other out (error 440).`, {
      nextStep: 'Keep one Clawline per state folder: quit the other one (tray app, or the terminal running "clawline gateway run"), or stop it with "kill <pid>".',
    });
  },
};
