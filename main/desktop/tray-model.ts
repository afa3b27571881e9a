// What the tray shows for a gateway state: icon, tooltip and the whole menu, as a pure function
// (no Electron) so it is tested with a table of states. Linux desktops may not deliver tray
// clicks, so the menu holds everything the app can do.
import type { GatewaySummary } from '../control/contract.ts';
import type { AccountStatus } from '../connection/status.ts';
import { accountLabel, describeAccount } from '../../renderer/format.ts';

export const TRAY_ICON_STATES = ['connected', 'connecting', 'not-linked', 'disconnected', 'attention'] as const;
export type TrayIconState = (typeof TRAY_ICON_STATES)[number];

export type TrayAction = 'open' | 'link' | 'requests' | 'start' | 'stop' | 'restart' | 'logs' | 'doctor' | 'quit';

export interface TrayMenuEntry {
  type: 'item' | 'separator';
  label?: string;
  action?: TrayAction;
  enabled?: boolean;
}

export interface TrayModel {
  icon: TrayIconState;
  tooltip: string;
  menu: TrayMenuEntry[];
}

/** Screen each action opens in the window (actions that are not screens are absent). */
export const ACTION_ROUTES: Partial<Record<TrayAction, string>> = { open: 'home', link: 'link', requests: 'requests', logs: 'logs', doctor: 'doctor' };

/** Worst first: the icon shows the most urgent thing. */
const SEVERITY: TrayIconState[] = ['attention', 'disconnected', 'not-linked', 'connecting', 'connected'];

function accountIcon(a: AccountStatus): TrayIconState {
  switch (a.state) {
    case 'logged-out':
    case 'conflict':
      return 'attention';
    case 'stopped':
      return 'disconnected';
    case 'not-linked':
      return 'not-linked';
    case 'linking':
    case 'connecting':
    case 'reconnecting':
      return 'connecting';
    case 'connected':
      return 'connected';
  }
}

/** A tooltip must not go stale between updates, so no countdowns here. */
function accountLine(a: AccountStatus): string {
  const label = accountLabel(a);
  switch (a.state) {
    case 'connected': return `${label}: Connected${a.self ? ` as ${a.self.number}` : ''}`;
    case 'reconnecting': return `${label}: Reconnecting (attempt ${Math.max(1, a.reconnectAttempts)})`;
    default: return `${label}: ${describeAccount(a, 0).title}`;
  }
}

export function pendingWords(n: number): string {
  return n === 1 ? '1 person waiting for approval' : `${n} people waiting for approval`;
}

/**
 * `summary` undefined means the gateway has not answered yet (starting); `startError` means it
 * could not start at all.
 */
export function trayModel(summary: GatewaySummary | undefined, opts: { startError?: string } = {}): TrayModel {
  let icon: TrayIconState;
  const lines: string[] = [];
  const running = !!summary?.running;
  const pending = summary?.pendingPairing ?? 0;

  if (opts.startError) {
    icon = 'disconnected';
    lines.push(`Clawline could not start: ${opts.startError}`);
  } else if (!summary) {
    icon = 'connecting';
    lines.push('Clawline is starting…');
  } else if (!summary.running) {
    icon = 'disconnected';
    lines.push('Clawline is stopped');
  } else if (summary.accounts.length === 0) {
    icon = 'not-linked';
    lines.push('No WhatsApp account set up');
  } else {
    const icons = summary.accounts.map(accountIcon);
    if (pending > 0) icons.push('attention');
    // A working account that needs action soon (phone offline for days) also asks for attention.
    if (summary.accounts.some((a) => a.warning)) icons.push('attention');
    icon = SEVERITY.find((s) => icons.includes(s)) ?? 'connected';
    lines.push(...summary.accounts.map(accountLine));
    for (const a of summary.accounts) if (a.warning) lines.push(`${accountLabel(a)}: ${a.warning.cause}`);
  }
  if (pending > 0) lines.push(pendingWords(pending));

  const tooltip = `Clawline — ${lines.join('; ')}`;
  const menu: TrayMenuEntry[] = [
    ...lines.map((label): TrayMenuEntry => ({ type: 'item', label, enabled: false })),
    { type: 'separator' },
    { type: 'item', label: 'Open Clawline', action: 'open' },
    { type: 'item', label: 'Link WhatsApp…', action: 'link', enabled: running },
    { type: 'item', label: pending > 0 ? `Requests (${pending})…` : 'Requests (none waiting)', action: 'requests' },
    { type: 'separator' },
    { type: 'item', label: 'Start gateway', action: 'start', enabled: !!summary && !running },
    { type: 'item', label: 'Stop gateway', action: 'stop', enabled: running },
    { type: 'item', label: 'Restart gateway', action: 'restart', enabled: running },
    { type: 'separator' },
    { type: 'item', label: 'Open logs', action: 'logs' },
    { type: 'item', label: 'Run doctor', action: 'doctor' },
    { type: 'separator' },
    { type: 'item', label: 'Quit Clawline', action: 'quit' },
  ];
  return { icon, tooltip, menu };
}

/**
 * File name of the tray image under assets/tray/. macOS gets black "Template" images that the
 * menu bar recolours for light/dark; others get colour. Electron picks the @2x file by itself.
 */
export function trayIconFile(state: TrayIconState, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `tray-${state}Template.png` : `tray-${state}.png`;
}
