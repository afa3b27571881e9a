// The IPC end of the window's bridge: one handler per contract operation (channel names from
// preload/bridge.ts). Every call is checked twice before the gateway sees it:
//  1. the sender is our window (webContents id) and its main frame shows app://clawline;
//  2. the payload passes the contract's schema (parseRequest).
// Results go back as values ({ ok, value } / { ok: false, error }) because an Error crossing
// contextBridge keeps only its message.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { z, ZodError } from 'zod';
import { isOperation, parseRequest, requestSchemas, type ControlError, type ControlHandler, type OperationName } from '../control/contract.ts';
import { DESKTOP_CHANNELS, EVENT_CHANNEL, operationChannel, type BridgeResult, type DesktopPreferences, type DesktopPreferencesPatch } from '../../preload/bridge.ts';
import { isAppUrl } from './security.ts';

export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;
/** The parts of an invoke event the checks read. */
export type SenderEvent = { sender: Pick<WebContents, 'id'>; senderFrame: { url: string; parent: unknown } | null };

export interface PreferencesPort {
  get(): Promise<DesktopPreferences>;
  set(patch: DesktopPreferencesPatch): Promise<DesktopPreferences>;
}

export interface IpcDeps {
  ipcMain: IpcMainLike;
  handler: ControlHandler;
  /** webContents id of our window, or undefined when it is closed. */
  windowContentsId(): number | undefined;
  preferences: PreferencesPort;
  /** Refused calls go to the log (they mean a bug or an attack). */
  onRefused?(reason: string, channel: string): void;
}

export const preferencesPatchSchema = z.object({ launchAtLogin: z.boolean().optional(), theme: z.enum(['system', 'light', 'dark']).optional() }).strict();

/** Why a sender is refused, or undefined when it is our window's top frame on app://clawline. */
export function senderProblem(event: SenderEvent, trustedId: number | undefined): string | undefined {
  if (trustedId === undefined || event.sender.id !== trustedId) return `sender webContents ${event.sender.id} is not the Clawline window`;
  const frame = event.senderFrame;
  if (!frame) return 'sender frame is gone';
  if (frame.parent) return 'sender is a sub-frame';
  if (!isAppUrl(frame.url)) return `sender frame URL ${JSON.stringify(frame.url)} is not app://clawline`;
  return undefined;
}

export function toControlError(err: unknown): ControlError {
  if (err instanceof ZodError) {
    return { code: 'bad-request', message: err.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ') };
  }
  const e = err as { code?: string; message?: string; nextStep?: string };
  const codes: ControlError['code'][] = ['bad-request', 'not-found', 'gateway-not-running', 'unauthorized', 'forbidden', 'failed'];
  const code = codes.includes(e?.code as ControlError['code']) ? (e.code as ControlError['code']) : 'failed';
  return { code, message: e?.message ?? String(err), ...(e?.nextStep ? { nextStep: e.nextStep } : {}) };
}

/** Registers every handler; returns a function that removes them all. */
export function registerIpc(deps: IpcDeps): () => void {
  const channels: string[] = [];

  const guarded = <T>(channel: string, run: (args: unknown[]) => Promise<T>) => {
    deps.ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<BridgeResult<T>> => {
      const problem = senderProblem(event as unknown as SenderEvent, deps.windowContentsId());
      if (problem) {
        deps.onRefused?.(problem, channel);
        return { ok: false, error: { code: 'forbidden', message: 'This page may not use Clawline.' } };
      }
      try {
        return { ok: true, value: await run(args) };
      } catch (err) {
        const error = toControlError(err);
        if (error.code === 'bad-request') deps.onRefused?.(error.message, channel);
        return { ok: false, error };
      }
    });
    channels.push(channel);
  };

  for (const op of Object.keys(requestSchemas) as OperationName[]) {
    guarded(operationChannel(op), async (args) => {
      if (args.length > 1) throw new ZodError([{ code: 'custom', path: [], message: `expected one payload, got ${args.length}`, input: args }]);
      if (!isOperation(op)) throw Object.assign(new Error(`unknown operation ${op}`), { code: 'not-found' });
      const request = parseRequest(op, args[0]);
      return deps.handler.handle(op, request);
    });
  }
  guarded(DESKTOP_CHANNELS.getPreferences, async (args) => {
    if (args.length > 0) throw new ZodError([{ code: 'custom', path: [], message: 'expected no payload', input: args }]);
    return deps.preferences.get();
  });
  guarded(DESKTOP_CHANNELS.setPreferences, async (args) => {
    if (args.length !== 1) throw new ZodError([{ code: 'custom', path: [], message: `expected one payload, got ${args.length}`, input: args }]);
    return deps.preferences.set(preferencesPatchSchema.parse(args[0]));
  });

  return () => { for (const c of channels) deps.ipcMain.removeHandler(c); };
}

export type EventTarget = Pick<WebContents, 'send' | 'isDestroyed'>;

/** Pushes gateway events to the window while it exists. Returns the unsubscribe function. */
export function forwardEvents(handler: ControlHandler, target: () => EventTarget | undefined): () => void {
  return handler.subscribe((event, payload) => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(EVENT_CHANNEL, { event, payload });
  });
}

/** Asks the window to show a screen. */
export function sendNavigate(wc: EventTarget | undefined, route: string): void {
  if (wc && !wc.isDestroyed()) wc.send(DESKTOP_CHANNELS.navigate, route);
}
