// The shape every doctor check has: run it against a snapshot, and optionally repair it.
import type { DoctorCheckResult } from '../control/contract.ts';
import type { Snapshot } from './snapshot.ts';

export type { DoctorCheckResult };

/** What a repair did, or why it refused to touch anything. */
export type FixOutcome = { changes: string[] } | { refused: string };

export interface CheckDefinition {
  /** The check id; for per-account checks the prefix of `<key>:<accountId>`. */
  key: string;
  perAccount?: boolean;
  run(snap: Snapshot, accountId: string): Promise<DoctorCheckResult>;
  /** Present when the check can repair what it finds in one call (only safe repairs here). */
  fix?(snap: Snapshot, accountId: string): Promise<FixOutcome>;
}

export function checkId(def: CheckDefinition, accountId: string): string {
  return def.perAccount ? `${def.key}:${accountId}` : def.key;
}

export function result(
  id: string,
  title: string,
  status: DoctorCheckResult['status'],
  finding: string,
  extra: { nextStep?: string; fix?: string } = {},
): DoctorCheckResult {
  return {
    id,
    title,
    status,
    finding,
    ...(extra.nextStep ? { nextStep: extra.nextStep } : {}),
    ...(extra.fix ? { fix: { label: extra.fix } } : {}),
  };
}

/** "+14155551234" from a JID like "14155551234:12@s.whatsapp.net". */
export function jidNumber(jid: string): string {
  const user = jid.split('@')[0]?.split(':')[0] ?? jid;
  return /^\d+$/.test(user) ? `+${user}` : jid;
}

export const linkCommand = (accountId: string) => `clawline channels login --account ${accountId}`;
export const relinkSteps = (accountId: string) =>
  `Link again: run "clawline channels logout --account ${accountId}", then "${linkCommand(accountId)}" and scan the QR code (WhatsApp → Settings → Linked devices → Link a device).`;

export function formatAge(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.round(ms / 3_600_000);
  if (h < 48) return `${h} h`;
  return `${Math.floor(ms / 86_400_000)} days`;
}

export function octal(mode: number): string {
  return (mode & 0o777).toString(8);
}
