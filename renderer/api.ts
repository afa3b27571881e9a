// The window's one way to the gateway: the same task functions whether the page runs inside the
// tray app (window.clawline from the preload, over IPC) or in a browser (HTTP + WebSocket to the
// loopback control server). Screens call `api.approvePairing(code, true)` and never see which.
import type { ControlError, EventName, Events, OperationName, RequestOf, Responses } from '../main/control/contract.ts';
import {
  BRIDGE_GLOBAL, EVENT_SUBSCRIPTIONS, TASKS,
  type BridgeResult, type ClawlineBridge, type DesktopPreferences, type DesktopPreferencesPatch, type EventFunctions, type TaskFunctions, type TaskName,
} from '../preload/bridge.ts';

export class ApiError extends Error {
  constructor(readonly error: ControlError) {
    super(error.message);
  }
  get nextStep(): string | undefined { return this.error.nextStep; }
  get code(): ControlError['code'] { return this.error.code; }
}

export interface Api extends TaskFunctions<'plain'>, EventFunctions {
  /** Present only inside the tray app. */
  desktop?: {
    getPreferences(): Promise<DesktopPreferences>;
    setPreferences(patch: DesktopPreferencesPatch): Promise<DesktopPreferences>;
    onNavigate(listener: (route: string) => void): () => void;
  };
  /** Where events come from, for the connection banner. */
  onConnection(listener: (state: 'open' | 'closed') => void): () => void;
  transport: 'ipc' | 'http';
}

function unwrap<T>(result: BridgeResult<T>): T {
  if (result && result.ok) return result.value;
  throw new ApiError(result?.error ?? { code: 'failed', message: 'No answer from Clawline.' });
}

export function apiFromBridge(bridge: ClawlineBridge): Api {
  const api: Record<string, unknown> = {};
  for (const name of Object.keys(TASKS) as TaskName[]) {
    const fn = bridge[name] as (...args: unknown[]) => Promise<BridgeResult<unknown>>;
    api[name] = async (...args: unknown[]) => unwrap(await fn(...args));
  }
  for (const name of Object.keys(EVENT_SUBSCRIPTIONS) as (keyof typeof EVENT_SUBSCRIPTIONS)[]) api[name] = bridge[name];
  api.desktop = {
    getPreferences: async () => unwrap(await bridge.getPreferences()),
    setPreferences: async (patch: DesktopPreferencesPatch) => unwrap(await bridge.setPreferences(patch)),
    onNavigate: (listener: (route: string) => void) => bridge.onNavigate(listener),
  };
  // IPC to our own main process does not drop; it is always "open".
  api.onConnection = (listener: (state: 'open') => void) => { listener('open'); return () => {}; };
  api.transport = 'ipc';
  return api as unknown as Api;
}

export const TOKEN_KEY = 'clawline.token';

/**
 * The dashboard URL carries the token in the fragment (`#token=...`), which never reaches a
 * server log. Move it to sessionStorage and clear it from the address bar and history.
 */
export function takeTokenFromLocation(loc: Location, storage: Storage, history: History): string | undefined {
  const m = /(?:^#|[#&])token=([A-Za-z0-9._~-]+)/.exec(loc.hash);
  if (m) {
    storage.setItem(TOKEN_KEY, m[1]!);
    history.replaceState(null, '', `${loc.pathname}${loc.search}#/`);
  }
  return storage.getItem(TOKEN_KEY) ?? undefined;
}

/** HTTP + WebSocket transport to the loopback control server. */
export class HttpTransport {
  private ws?: WebSocket;
  private listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  private connectionListeners = new Set<(state: 'open' | 'closed') => void>();
  private retry = 0;
  private retryTimer?: number;
  private closed = false;
  private connected = false;

  constructor(private readonly base: string, private readonly token: string) {}

  async call<K extends OperationName>(op: K, request: RequestOf<K>): Promise<Responses[K]> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/${op}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify(request ?? {}),
      });
    } catch {
      throw new ApiError({ code: 'gateway-not-running', message: 'Clawline is not answering.', nextStep: 'Start it again with "clawline gateway start", then reload this page.' });
    }
    const body = (await res.json().catch(() => ({}))) as { error?: ControlError };
    if (!res.ok) throw new ApiError(body.error ?? { code: 'failed', message: `Clawline answered with an error (HTTP ${res.status}).` });
    return body as Responses[K];
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    this.ensureSocket();
    return () => { set!.delete(l); };
  }

  onConnection(listener: (state: 'open' | 'closed') => void): () => void {
    this.connectionListeners.add(listener);
    this.ensureSocket();
    if (this.connected) listener('open');
    return () => { this.connectionListeners.delete(listener); };
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.ws?.close();
  }

  private ensureSocket(): void {
    if (this.ws || this.closed) return;
    const url = `${this.base.replace(/^http/, 'ws')}/api/events`;
    // Browsers cannot set headers on a WebSocket: the token travels as a subprotocol.
    const ws = new WebSocket(url, [`clawline.token.${this.token}`]);
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.retry = 0;
      this.connected = true;
      for (const l of this.connectionListeners) l('open');
    });
    ws.addEventListener('message', (e) => {
      let msg: { event?: EventName; payload?: unknown };
      try { msg = JSON.parse(String(e.data)); } catch { return; }
      if (!msg.event) return;
      for (const l of this.listeners.get(msg.event) ?? []) l(msg.payload);
    });
    ws.addEventListener('close', () => {
      this.ws = undefined;
      if (this.connected) for (const l of this.connectionListeners) l('closed');
      this.connected = false;
      if (this.closed) return;
      // Capped backoff: the gateway may be restarting.
      const delay = Math.min(10_000, 500 * 2 ** this.retry++);
      this.retryTimer = window.setTimeout(() => this.ensureSocket(), delay);
    });
  }
}

export function apiFromHttp(transport: HttpTransport): Api {
  const api: Record<string, unknown> = {};
  for (const name of Object.keys(TASKS) as TaskName[]) {
    const task = TASKS[name];
    const build = task.request as (...args: unknown[]) => object;
    api[name] = (...args: unknown[]) => transport.call(task.op, build(...args) as never);
  }
  for (const [name, event] of Object.entries(EVENT_SUBSCRIPTIONS)) {
    api[name] = (listener: (payload: unknown) => void) => transport.on(event, listener);
  }
  api.onConnection = (listener: (state: 'open' | 'closed') => void) => transport.onConnection(listener);
  api.transport = 'http';
  return api as unknown as Api;
}

/** The bridge if the preload put one there, else undefined (we are in a browser). */
export function findBridge(win: Window): ClawlineBridge | undefined {
  const b = (win as unknown as Record<string, unknown>)[BRIDGE_GLOBAL];
  return b && typeof b === 'object' ? (b as ClawlineBridge) : undefined;
}

/** Words for any error thrown by an api call. */
export function errorWords(err: unknown): { message: string; nextStep?: string } {
  if (err instanceof ApiError) return { message: err.message, nextStep: err.nextStep };
  return { message: err instanceof Error ? err.message : String(err) };
}
