// The one place that turns connection facts into words a person understands: every cause,
// next step and fix button shown by the tray, the window, the CLI and the logs comes from here.
import type { DisconnectReason } from './disconnect.ts';
import { reasonCode } from './disconnect.ts';
import type { CloseAction } from './reconnect-policy.ts';
import type { AccountState, FixAction, LinkingStall } from './status.ts';

export interface Explanation {
  state: AccountState;
  cause?: string;
  nextStep?: string;
  fix?: FixAction;
  stall?: { kind: LinkingStall; cause: string; nextStep: string };
}

const linkCommand = (accountId: string) => `clawline channels login --account ${accountId}`;
const LINKED_DEVICES = 'WhatsApp on your phone → Settings → Linked devices → Link a device';

/** Short label for `lastDisconnect.reason` and log lines. */
export function describeReason(reason: DisconnectReason): string {
  const code = reasonCode(reason);
  const withCode = (text: string) => (code === undefined ? text : `${text} (${code})`);
  switch (reason.kind) {
    case 'restart-required': return withCode('restart required');
    case 'logged-out':
      return withCode(reason.by === 'user' ? 'logged out by you' : reason.by === 'phone' ? 'removed from the phone\'s linked devices' : 'logged out by WhatsApp');
    case 'replaced': return withCode('session replaced by another client');
    case 'connection-closed': return withCode('connection closed');
    case 'connection-lost': return withCode('no answer to keep-alive pings');
    case 'timed-out': return withCode('timed out');
    case 'qr-refs-ended': return withCode('QR codes expired');
    case 'service-unavailable': return withCode('WhatsApp unavailable');
    case 'temporary-ban': return withCode('temporarily banned');
    case 'client-outdated': return withCode('WhatsApp Web version outdated');
    case 'multidevice-mismatch': return withCode('linked devices not supported');
    case 'bad-session': return withCode(`session error${reason.message ? `: ${reason.message}` : ''}`);
    case 'unknown': return withCode(reason.message ? `closed: ${reason.message}` : 'closed');
    case 'liveness-timeout': return `no data for ${Math.round(reason.silentMs / 1000)} s (dead connection)`;
    case 'decrypt-repair': return `${reason.failures} decryption failures (repair)`;
    case 'gave-up': return `gave up after ${reason.attempts} attempts; last: ${describeReason(reason.last)}`;
    case 'lock-busy': return `already running in another Clawline process${reason.ownerPid ? ` (pid ${reason.ownerPid})` : ''}`;
    case 'linking-refused': return withCode('WhatsApp cannot link new devices now');
    case 'passkey-stall': return 'phone did not confirm the link (passkey?)';
    case 'code-rejected': return `pairing code rejected${reason.message ? `: ${reason.message}` : ''}`;
    case 'stopped': return 'stopped';
  }
}

/** An account with no credentials. */
export function explainNotLinked(accountId: string): Explanation {
  return {
    state: 'not-linked',
    cause: `Account "${accountId}" is not linked to a WhatsApp number yet.`,
    nextStep: `Link it: press Link in Clawline and scan the QR code with ${LINKED_DEVICES} (or run "${linkCommand(accountId)}").`,
    fix: 'link',
  };
}

/** After logout() or reset(): the account is ready to be linked again. */
export function explainLoggedOutByYou(accountId: string, result: { wasLinked?: boolean; removedOnServer: boolean; backupDir?: string; reset?: boolean }): Explanation {
  const what = result.reset ? 'The account was reset' : 'You logged out';
  const server = result.wasLinked === false
    ? 'it was not linked'
    : result.removedOnServer
      ? 'this computer was removed from the phone\'s Linked devices'
      : 'WhatsApp could not be reached, so this computer may still be listed under the phone\'s Linked devices (remove it there)';
  const backup = result.backupDir ? ` The credentials were moved to ${result.backupDir}.` : '';
  return { state: 'not-linked', cause: `${what}: ${server}.${backup}`, nextStep: `Link again whenever you like (press Link, or run "${linkCommand(accountId)}").`, fix: 'link' };
}

/** While a QR code or pairing code is on screen. */
export function explainLinking(method: 'qr' | 'code', code?: string): Explanation {
  if (method === 'code') {
    return {
      state: 'linking',
      cause: code ? 'Waiting for the pairing code to be entered on the phone.' : 'Asking WhatsApp for a pairing code.',
      nextStep: code
        ? `On your phone open ${LINKED_DEVICES} → "Link with phone number instead", and type ${code}.`
        : 'The code appears in a few seconds.',
    };
  }
  return {
    state: 'linking',
    cause: 'Waiting for the phone to scan the QR code.',
    nextStep: `Open ${LINKED_DEVICES} and scan the code. It changes every 20 seconds; a fresh one appears by itself.`,
  };
}

/** The connection could not even be attempted (credentials unreadable, bad CA file...). */
export function explainFailure(accountId: string, err: Error): Explanation {
  const detail = err.message.replace(/\s+$/, '');
  return {
    state: 'stopped',
    cause: `Account "${accountId}" could not connect: ${detail}`,
    nextStep: 'Fix the problem named above (run "clawline doctor" for help), then press Start.',
    fix: 'open-doctor',
  };
}

export function explainDisabled(accountId: string): Explanation {
  return { state: 'stopped', cause: `Account "${accountId}" is disabled in the config.`, nextStep: `Set channels.whatsapp.accounts.${accountId}.enabled to true (or remove it) to use it.` };
}

export function explainStopped(accountId: string): Explanation {
  return { state: 'stopped', cause: `Account "${accountId}" is stopped.`, nextStep: 'Start it from the tray or run "clawline gateway run".', fix: 'start' };
}

export interface CloseExplainContext {
  accountId: string;
  /** What the reconnect policy decided. */
  action: CloseAction;
  /** Linking method when the close ended a linking attempt. */
  linking?: 'qr' | 'code';
  /** When action is retry: when the next attempt starts (epoch ms). */
  nextRetryAt?: number;
  maxAttempts?: number;
}

/** State, cause, next step and fix after a socket closed for `reason`. */
export function explainClose(reason: DisconnectReason, ctx: CloseExplainContext): Explanation {
  const { accountId } = ctx;
  // A linking attempt that ended before the phone confirmed: always a linking stall, whatever the code.
  if (ctx.linking && reason.kind !== 'stopped' && reason.kind !== 'lock-busy') return explainLinkingEnd(reason, ctx.linking);
  const relink = `Link again: press Link in Clawline (or run "${linkCommand(accountId)}"). The old credentials were kept in a backup folder.`;
  switch (reason.kind) {
    case 'stopped':
      return explainStopped(accountId);
    case 'logged-out':
      if (reason.by === 'user') return explainLoggedOutByYou(accountId, { removedOnServer: true });
      return {
        state: 'logged-out',
        cause: reason.by === 'phone'
          ? 'This computer was removed from the phone\'s Linked devices, so WhatsApp ended the session.'
          : `WhatsApp logged this session out (${reason.code}). The phone may have removed it, or it expired: a phone that stays offline for about 14 days unlinks its devices.`,
        nextStep: relink,
        fix: 'relink',
      };
    case 'replaced':
      return {
        state: 'conflict',
        cause: 'Another WhatsApp Web client (maybe OpenClaw or a browser) is using this session, so WhatsApp closed this one. It is not Clawline on this computer: Clawline holds the lock for this account. Clawline does not retry, because two clients would keep kicking each other out.',
        nextStep: 'Stop the other client (OpenClaw\'s gateway, or WhatsApp Web in a browser tab, or Clawline on another computer using a copy of these credentials), then press Take over.',
        fix: 'take-over',
      };
    case 'lock-busy':
      return {
        state: 'conflict',
        cause: `Another Clawline process on this computer${reason.ownerPid ? ` (pid ${reason.ownerPid})` : ''} is already running account "${accountId}"; two processes on one session would log each other out.`,
        nextStep: 'Use the Clawline that is already running, or stop it ("clawline gateway stop") before starting this one.',
        fix: 'open-doctor',
      };
    case 'temporary-ban':
      return {
        state: 'stopped',
        cause: `WhatsApp has temporarily banned this number${reason.until ? ` until ${new Date(reason.until).toISOString()}` : ''}.`,
        nextStep: 'Wait until the ban ends before reconnecting; linking again or retrying now can make it longer. Send fewer messages to people who have not written first.',
        fix: 'reconnect-now',
      };
    case 'client-outdated':
      return {
        state: 'stopped',
        cause: 'WhatsApp refused this WhatsApp Web version as outdated (405).',
        nextStep: 'Restart Clawline while online so it fetches the current WhatsApp Web version, or update Clawline.',
        fix: 'restart',
      };
    case 'multidevice-mismatch':
      return {
        state: 'stopped',
        cause: 'This WhatsApp account does not accept linked devices (411).',
        nextStep: 'Update WhatsApp on the phone, then link again.',
        fix: 'relink',
      };
    case 'gave-up':
      return {
        state: 'stopped',
        cause: `Clawline gave up reconnecting after ${reason.attempts} attempts. Last error: ${describeReason(reason.last)}.`,
        nextStep: 'Check this computer\'s internet connection, then press Reconnect now (or run "clawline gateway restart").',
        fix: 'reconnect-now',
      };
    case 'qr-refs-ended':
    case 'linking-refused':
    case 'passkey-stall':
    case 'code-rejected':
      return explainLinkingEnd(reason, 'qr');
    default:
      break;
  }
  // Everything else heals by itself.
  const action = ctx.action;
  const transient = transientCause(reason);
  if (action.action === 'give-up') return explainClose({ kind: 'gave-up', attempts: action.attempts, last: reason }, ctx);
  const of = ctx.maxAttempts ? ` of ${ctx.maxAttempts}` : '';
  const when = action.action === 'retry' ? ` (attempt ${action.attempt}${of})` : '';
  return {
    state: action.action === 'restart-now' ? 'connecting' : 'reconnecting',
    cause: transient,
    nextStep: `Nothing to do: Clawline reconnects by itself${when}. If it keeps failing, check this computer's internet connection or press Reconnect now.`,
    fix: 'reconnect-now',
  };
}

function transientCause(reason: DisconnectReason): string {
  switch (reason.kind) {
    case 'restart-required': return 'WhatsApp asked for a fresh connection several times in a row (515).';
    case 'connection-closed': return 'The connection to WhatsApp closed (428).';
    case 'connection-lost': return 'WhatsApp stopped answering keep-alive pings (408): the network probably dropped.';
    case 'timed-out': return 'Reaching WhatsApp timed out (408).';
    case 'service-unavailable': return 'WhatsApp\'s servers are temporarily unavailable (503).';
    case 'bad-session': return `WhatsApp closed the session with an internal error (500)${reason.message ? `: ${reason.message}` : ''}.`;
    case 'liveness-timeout': return `No data arrived from WhatsApp for ${Math.round(reason.silentMs / 1000)} s although the connection looked open (a dead connection), so Clawline replaced it.`;
    case 'decrypt-repair': return `${reason.failures} messages could not be decrypted ("Bad MAC") in a short time; Clawline reconnects to repair the encryption sessions.`;
    default: return `The connection to WhatsApp closed: ${describeReason(reason)}.`;
  }
}

function explainLinkingEnd(reason: DisconnectReason, method: 'qr' | 'code'): Explanation {
  const stall = linkingStall(reason, method);
  return { state: 'not-linked', cause: stall.cause, nextStep: stall.nextStep, fix: 'link', stall };
}

/** Shown as soon as WhatsApp sends its passkey challenge, while the attempt is still open. */
export function passkeyRequested(waitMs: number): { kind: LinkingStall; cause: string; nextStep: string } {
  return {
    kind: 'passkey-required',
    cause: 'WhatsApp asks this phone to confirm the new device with a passkey, a step Clawline (like every Baileys-based tool) cannot complete yet.',
    nextStep: `Approve any prompt on the phone. If linking has not finished in ${Math.round(waitMs / 1000)} s, this number cannot be linked to Clawline for now: link another number.`,
  };
}

/** The plain-words explanation of why linking did not finish. */
export function linkingStall(reason: DisconnectReason, method: 'qr' | 'code'): { kind: LinkingStall; cause: string; nextStep: string } {
  switch (reason.kind) {
    case 'qr-refs-ended':
      return method === 'code'
        ? { kind: 'code-expired', cause: 'The pairing code expired before it was entered on the phone (a code lasts about 2½ minutes).', nextStep: 'Press Link with phone number again for a new code and type it on the phone right away.' }
        : {
          kind: 'qr-expired',
          cause: 'The QR code expired before linking finished (WhatsApp offers a few codes per attempt, about 2½ minutes in total).',
          // WhatsApp tells the companion nothing when the phone refuses: the phone's words are the only clue.
          nextStep: 'QR expired — get a new one: press Link again and scan it within 20 seconds. If the phone said "Can\'t link devices at this time", WhatsApp is refusing new devices for now: wait an hour before trying again.',
        };
    case 'linking-refused':
      return { kind: 'cannot-link-now', cause: 'WhatsApp says it can\'t link new devices at this time. This happens after many link attempts in a short time, or while the account is limited.', nextStep: 'Wait at least an hour before trying again (retrying sooner extends the wait), and make sure WhatsApp on the phone is up to date.' };
    case 'passkey-stall':
      return {
        kind: 'passkey-required',
        cause: `The phone accepted the code but the link was not confirmed within ${Math.round(reason.waitedMs / 1000)} s. WhatsApp now asks some accounts to confirm a new device with a passkey, a step Clawline (like every Baileys-based tool) cannot complete yet.`,
        nextStep: 'Approve any prompt on the phone and press Link again. If it stalls again, this number cannot be linked to Clawline for now: link another number.',
      };
    case 'code-rejected':
      return { kind: 'code-rejected', cause: `WhatsApp did not accept the pairing-code request${reason.message ? ` (${reason.message})` : ''}.`, nextStep: 'Check the phone number (the one WhatsApp runs on, with country code, e.g. +49 170 1234567), then try again, or link with the QR code instead.' };
    default:
      // Network drops, timeouts and refusals at login while linking: phone offline, a network
      // filter, or a wrong date/time (on the phone or here) are what users find behind these.
      return { kind: 'phone-offline-or-clock', cause: `Linking did not finish: ${describeReason(reason)}. The phone or this computer may have lost the network, or the date and time on one of them may be wrong.`, nextStep: 'Check that the phone is online and that both the phone and this computer set their date and time automatically, then press Link again.' };
  }
}

/** WhatsApp unlinks companions whose phone stays offline ~14 days: warn from day 12 (as mautrix does). */
export const PHONE_OFFLINE_WARN_MS = 12 * 24 * 3_600_000;

export function explainPhoneOffline(lastSeenAt: number, now: number): { kind: 'phone-offline'; cause: string; nextStep: string } {
  const days = Math.floor((now - lastSeenAt) / (24 * 3_600_000));
  return {
    kind: 'phone-offline',
    cause: `No sign of the phone for ${days} days. WhatsApp unlinks this computer when the phone has been offline for about 14 days.`,
    nextStep: 'Open WhatsApp on the phone (with internet) once: that keeps this link alive.',
  };
}

/** The "no active listener" error text for a send that cannot go out. */
export function explainNoListener(accountId: string, state: AccountState | undefined): { message: string; nextStep: string } {
  const why = state === undefined
    ? `no WhatsApp account "${accountId}" is configured in this gateway`
    : state === 'not-linked' || state === 'logged-out'
      ? `account "${accountId}" is not linked`
      : `account "${accountId}" has no open connection (state: ${state})`;
  const nextStep = state === 'not-linked' || state === 'logged-out'
    ? `Link it first ("${linkCommand(accountId)}"), then start the gateway ("clawline gateway run").`
    : state === 'linking'
      ? 'Finish linking first: scan the QR code or enter the pairing code on the phone.'
      : 'Start the gateway ("clawline gateway run" or open the Clawline app) and make sure the account is connected.';
  return { message: `No active WhatsApp listener: ${why}.`, nextStep };
}

/** The error text for a send that waited for a reconnect that never came. */
export function explainSendTimeout(accountId: string, waitedMs: number): { message: string; nextStep: string } {
  return {
    message: `Account "${accountId}" did not reconnect within ${Math.round(waitedMs / 1000)} s, so the message was not sent.`,
    nextStep: 'Check the account status ("clawline channels status"); the message can be sent again once it is connected.',
  };
}

/** Words for refused requests (ConnectionError messages). */
export const refusal = {
  badPhone: (phone: string) => ({
    message: `"${phone}" is not a phone number WhatsApp can send a pairing code for.`,
    nextStep: 'Give the number of the phone with WhatsApp, with country code, e.g. +49 170 1234567.',
  }),
  alreadyLinked: (accountId: string, number?: string) => ({
    message: `Account "${accountId}" is already linked${number ? ` to ${number}` : ''}.`,
    nextStep: 'To link another number, log out or reset the account first.',
  }),
  badAccountId: (accountId: string) => ({
    message: `"${accountId}" is not a valid account id.`,
    nextStep: 'Use 1-64 letters, digits, _ or - (the default account is "default").',
  }),
  locked: (accountId: string) => ({
    message: `Account "${accountId}" is run by another Clawline process.`,
    nextStep: 'Use the Clawline that is already running, or stop it ("clawline gateway stop") first.',
  }),
};
