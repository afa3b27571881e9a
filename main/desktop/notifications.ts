// Native notifications for the few things that need the person even when the window is closed:
// a new access request, a logged-out or conflicting session, reconnecting given up. Deciding
// what to say is pure (tested with tables); showing it goes through an injected factory.
import type { NotificationConstructorOptions } from 'electron';
import type { Events, GatewaySummary } from '../control/contract.ts';
import { accountLabel } from '../../renderer/format.ts';

export interface DesktopNotice {
  /** Same key = same event: never shown twice in a row. */
  key: string;
  title: string;
  body: string;
  /** Screen the click opens. */
  route: string;
}

/** Notices for state changes between two status snapshots. */
export function statusNotices(prev: GatewaySummary | undefined, next: GatewaySummary): DesktopNotice[] {
  const out: DesktopNotice[] = [];
  for (const a of next.accounts) {
    const prevAccount = prev?.accounts.find((x) => x.accountId === a.accountId);
    const label = accountLabel(a);
    if (a.warning && a.warning.kind !== prevAccount?.warning?.kind) {
      out.push({ key: `warning:${a.accountId}:${a.warning.kind}:${a.warning.cause}`, title: `${label}: ${a.warning.cause}`, body: a.warning.nextStep, route: 'home' });
    }
    const before = prevAccount?.state;
    if (before === a.state) continue;
    if (a.state === 'logged-out') {
      out.push({ key: `logged-out:${a.accountId}:${a.lastDisconnect?.at ?? ''}`, title: `${label} was logged out`,
        body: a.cause ?? 'WhatsApp ended the link. Link again to keep your agent answering.', route: `link?account=${encodeURIComponent(a.accountId)}` });
    } else if (a.state === 'conflict') {
      out.push({ key: `conflict:${a.accountId}:${a.lastDisconnect?.at ?? ''}`, title: `${label} is open somewhere else`,
        body: a.cause ?? 'Another program uses this WhatsApp link, so Clawline stopped. Close it or use the link here.', route: 'home' });
    } else if (a.state === 'stopped' && before === 'reconnecting' && next.running) {
      out.push({ key: `gave-up:${a.accountId}:${a.lastDisconnect?.at ?? ''}`, title: `${label}: Clawline stopped reconnecting`,
        body: a.cause ?? 'It tried many times without success. Open Clawline to find the problem.', route: 'doctor' });
    }
  }
  return out;
}

/** A notice for a newly created access request. */
export function pairingNotices(event: Events['pairing']): DesktopNotice[] {
  const r = event.added;
  if (!r) return [];
  const waiting = event.requests.length;
  return [{
    key: `pairing:${r.accountId}:${r.code}`,
    title: `${r.name ?? r.id} wants to talk to your agent`,
    body: `${r.name ? `${r.id} · ` : ''}Approve or dismiss in Clawline.${waiting > 1 ? ` ${waiting} requests are waiting.` : ''}`,
    route: 'requests',
  }];
}

export type NotificationLike = { on(event: 'click', listener: () => void): unknown; show(): void };

export interface NotifierDeps {
  isSupported(): boolean;
  create(options: NotificationConstructorOptions): NotificationLike;
  /** Opens the window on a route. */
  open(route: string): void;
  iconPath?: string;
}

export class Notifier {
  private last?: GatewaySummary;
  private shown = new Set<string>();

  constructor(private readonly deps: NotifierDeps) {}

  onStatus(summary: GatewaySummary): void {
    const notices = statusNotices(this.last, summary);
    this.last = summary;
    for (const n of notices) this.show(n);
  }

  onPairing(event: Events['pairing']): void {
    for (const n of pairingNotices(event)) this.show(n);
  }

  private show(n: DesktopNotice): void {
    if (this.shown.has(n.key) || !this.deps.isSupported()) return;
    this.shown.add(n.key);
    const notification = this.deps.create({ title: n.title, body: n.body, silent: false, ...(this.deps.iconPath ? { icon: this.deps.iconPath } : {}) });
    notification.on('click', () => this.deps.open(n.route));
    notification.show();
  }
}
