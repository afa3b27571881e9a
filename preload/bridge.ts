// The shape of `window.clawline`: one table of task-specific functions, each bound to one
// operation of the control contract. The preload builds the IPC functions from this table, the
// renderer builds the same functions over HTTP from it, and main/desktop/ipc.ts uses the channel
// names. Pure module (types and plain data only) so main, preload and renderer can all import it.
import type { ControlError, EventName, Events, OperationName, RequestOf, Responses } from '../main/control/contract.ts';

/** The global the preload defines in the page's world. */
export const BRIDGE_GLOBAL = 'clawline';

/** One IPC channel per operation, so main can register exactly the contract and nothing else. */
export const operationChannel = (op: OperationName): string => `clawline:op:${op}`;
/** Gateway events pushed to the window: `{ event, payload }`. */
export const EVENT_CHANNEL = 'clawline:event';
/** Desktop-only features that are not part of the gateway (tray app preferences, navigation). */
export const DESKTOP_CHANNELS = {
  getPreferences: 'clawline:desktop:get-preferences',
  setPreferences: 'clawline:desktop:set-preferences',
  navigate: 'clawline:desktop:navigate',
} as const;

/** IPC results travel as values: an Error crossing contextBridge keeps only its message. */
export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: ControlError };

/** Drops undefined keys so the same request serializes identically over IPC and JSON. */
function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

export type LogQuery = RequestOf<'logs.tail'>;

/** Every task function: its operation and how its arguments become the request payload. */
export const TASKS = {
  status: { op: 'status.get', request: () => ({}) },
  linkStart: { op: 'link.start', request: (req: RequestOf<'link.start'>) => compact({ accountId: req.accountId, method: req.method, phone: req.phone }) },
  linkCancel: { op: 'link.cancel', request: (accountId?: string) => compact({ accountId }) },
  logout: { op: 'account.logout', request: (accountId?: string) => compact({ accountId }) },
  resetAccount: { op: 'account.reset', request: (accountId?: string) => compact({ accountId }) },
  startGateway: { op: 'gateway.start', request: () => ({}) },
  stopGateway: { op: 'gateway.stop', request: () => ({}) },
  restartGateway: { op: 'gateway.restart', request: () => ({}) },
  listPairing: { op: 'pairing.list', request: (accountId?: string) => compact({ accountId }) },
  approvePairing: { op: 'pairing.approve', request: (code: string, notify: boolean, accountId?: string) => compact({ code, notify, accountId }) },
  dismissPairing: { op: 'pairing.dismiss', request: (code: string, accountId?: string) => compact({ code, accountId }) },
  getSettings: { op: 'settings.get', request: () => ({}) },
  setSetting: { op: 'settings.set', request: (path: (string | number)[], value: unknown) => ({ path, value }) },
  unsetSetting: { op: 'settings.unset', request: (path: (string | number)[]) => ({ path }) },
  runDoctor: { op: 'doctor.run', request: () => ({}) },
  fixDoctor: { op: 'doctor.fix', request: (checkId: string) => ({ checkId }) },
  tailLogs: { op: 'logs.tail', request: (query: LogQuery = {}) => compact({ ...query }) },
  exportDiagnostics: { op: 'diagnostics.export', request: () => ({}) },
  testAgent: { op: 'agent.test', request: () => ({}) },
} as const satisfies Record<string, { op: OperationName; request: (...args: never[]) => object }>;

export type TaskName = keyof typeof TASKS;
type OpOf<N extends TaskName> = (typeof TASKS)[N]['op'];
type ArgsOf<N extends TaskName> = Parameters<(typeof TASKS)[N]['request']>;

/** Event subscription functions: name on the bridge -> contract event. */
export const EVENT_SUBSCRIPTIONS = { onStatus: 'status', onPairing: 'pairing', onLog: 'log', onConfig: 'config' } as const satisfies Record<string, EventName>;
export type SubscriptionName = keyof typeof EVENT_SUBSCRIPTIONS;

export type Theme = 'system' | 'light' | 'dark';
/** Tray-app preferences kept by main (electron-store), shown in Settings when running in Electron. */
export interface DesktopPreferences {
  launchAtLogin: boolean;
  theme: Theme;
  platform: string;
}
export type DesktopPreferencesPatch = Partial<Pick<DesktopPreferences, 'launchAtLogin' | 'theme'>>;

/** The task functions with the transport's own result wrapper. */
export type TaskFunctions<Wrap extends 'bridge' | 'plain'> = {
  [N in TaskName]: (...args: ArgsOf<N>) => Promise<Wrap extends 'bridge' ? BridgeResult<Responses[OpOf<N>]> : Responses[OpOf<N>]>;
};
export type EventFunctions = {
  [S in SubscriptionName]: (listener: (payload: Events[(typeof EVENT_SUBSCRIPTIONS)[S]]) => void) => () => void;
};

/** Exactly what the preload exposes as `window.clawline`. */
export interface ClawlineBridge extends TaskFunctions<'bridge'>, EventFunctions {
  getPreferences(): Promise<BridgeResult<DesktopPreferences>>;
  setPreferences(patch: DesktopPreferencesPatch): Promise<BridgeResult<DesktopPreferences>>;
  /** Main asks the window to show a screen (tray menu, notification click). */
  onNavigate(listener: (route: string) => void): () => void;
}

/** The full list of names on `window.clawline`, for tests and for main's checks. */
export const BRIDGE_KEYS: readonly string[] = [...Object.keys(TASKS), ...Object.keys(EVENT_SUBSCRIPTIONS), 'getPreferences', 'setPreferences', 'onNavigate'];
