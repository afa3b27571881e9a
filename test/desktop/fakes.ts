// Fakes of the few Electron objects the desktop layer uses. Each records what was done to it so
// tests assert what a person would see (icon, tooltip, menu) or what was refused.
import type { Menu, MenuItemConstructorOptions, NativeImage } from 'electron';
import type { IpcMainLike } from '../../main/desktop/ipc.ts';
import type { TrayLike } from '../../main/desktop/tray.ts';
import type { ControlHandler, EventName, Events, GatewaySummary, OperationName, ParsedRequestOf, Responses } from '../../main/control/contract.ts';
import type { AccountStatus } from '../../main/connection/status.ts';

export class FakeImage {
  template = false;
  constructor(readonly path: string) {}
  setTemplateImage(on: boolean): void { this.template = on; }
}
export const asImage = (i: FakeImage) => i as unknown as NativeImage;

export class FakeTray {
  image: FakeImage;
  tooltip = '';
  menu?: MenuItemConstructorOptions[];
  listeners = new Map<string, () => void>();
  destroyed = false;
  constructor(image: NativeImage) { this.image = image as unknown as FakeImage; }
  setImage(image: NativeImage): void { this.image = image as unknown as FakeImage; }
  setToolTip(t: string): void { this.tooltip = t; }
  setContextMenu(m: Menu | null): void { this.menu = (m as unknown as { template: MenuItemConstructorOptions[] }).template; }
  on(event: string, fn: () => void): this { this.listeners.set(event, fn); return this; }
  destroy(): void { this.destroyed = true; }
}

/** Electron's overloaded signatures are wider than a fake needs: cast at the boundary. */
export const asTray = (t: FakeTray) => t as unknown as TrayLike;
export const asIpcMain = (i: FakeIpcMain) => i as unknown as IpcMainLike;

export const fakeMenu = (template: MenuItemConstructorOptions[]) => ({ template }) as unknown as Menu;

export type Handler = (event: unknown, ...args: unknown[]) => unknown;
export class FakeIpcMain {
  handlers = new Map<string, Handler>();
  handle(channel: string, fn: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void { this.handlers.delete(channel); }
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const fn = this.handlers.get(channel);
    if (!fn) throw new Error(`no handler for ${channel}`);
    return fn(event, ...args);
  }
}

/** An IPC event as Electron builds it: the sender's webContents and frame. */
export function ipcEvent(senderId: number, url = 'app://clawline/index.html', parent: unknown = null) {
  return { sender: { id: senderId }, senderFrame: { url, parent } };
}

export function account(state: AccountStatus['state'], extra: Partial<AccountStatus> = {}): AccountStatus {
  return { accountId: 'default', enabled: true, state, reconnectAttempts: 0, ...extra };
}

export function summary(accounts: AccountStatus[], extra: Partial<GatewaySummary> = {}): GatewaySummary {
  return { running: true, version: '0.1.0', accounts, pendingPairing: 0, ...extra };
}

/** A ControlHandler that records calls and answers from a table. */
export class RecordingHandler implements ControlHandler {
  calls: { op: OperationName; request: unknown }[] = [];
  listeners = new Set<<E extends EventName>(event: E, payload: Events[E]) => void>();
  status: GatewaySummary = summary([account('connected', { self: { number: '+15550100' } })]);

  async handle<K extends OperationName>(op: K, request: ParsedRequestOf<K>): Promise<Responses[K]> {
    this.calls.push({ op, request });
    if (op === 'status.get') return this.status as Responses[K];
    if (op === 'pairing.approve') return { ok: true, id: '+447700900123' } as Responses[K];
    if (op === 'gateway.stop') { this.status = { ...this.status, running: false }; return { ok: true } as Responses[K]; }
    if (op === 'settings.set') throw Object.assign(new Error('the file is locked'), { code: 'failed', nextStep: 'Try again.' });
    return { ok: true } as Responses[K];
  }

  subscribe(listener: <E extends EventName>(event: E, payload: Events[E]) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.listeners) l(event, payload);
  }
}
