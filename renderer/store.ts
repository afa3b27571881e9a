// What the window knows, kept current from the gateway's events. Screens read it and subscribe;
// only the store talks to the event stream, so every screen sees the same picture.
import type { Finding, GatewaySummary, LogLine, PairingRequestView } from '../main/control/contract.ts';
import { errorWords, type Api } from './api.ts';

export interface StoreState {
  summary?: GatewaySummary;
  /** Set when status.get fails (gateway gone, wrong token). */
  unreachable?: { message: string; nextStep?: string; unauthorized: boolean };
  requests: PairingRequestView[];
  configFindings: Finding[];
  /** Live log lines (newest last), capped. */
  logs: LogLine[];
  eventsConnected: boolean;
  /** True once pairing.list answered (until then the summary's count is all we know). */
  requestsLoaded: boolean;
}

export type Change = 'summary' | 'requests' | 'config' | 'logs' | 'connection';

const MAX_LOG_LINES = 2000;

export class Store {
  state: StoreState = { requests: [], configFindings: [], logs: [], eventsConnected: false, requestsLoaded: false };
  private listeners = new Set<(change: Change) => void>();
  private logListeners = new Set<(line: LogLine) => void>();

  constructor(readonly api: Api) {}

  start(): () => void {
    const offs = [
      this.api.onStatus((s) => { this.state.summary = s; this.state.unreachable = undefined; this.emit('summary'); }),
      this.api.onPairing((p) => { this.state.requests = p.requests; this.state.requestsLoaded = true; this.emit('requests'); }),
      this.api.onConfig((c) => { this.state.configFindings = c.findings; this.emit('config'); }),
      this.api.onLog((line) => {
        this.state.logs.push(line);
        if (this.state.logs.length > MAX_LOG_LINES) this.state.logs.splice(0, this.state.logs.length - MAX_LOG_LINES);
        for (const l of this.logListeners) l(line);
      }),
      this.api.onConnection((c) => {
        this.state.eventsConnected = c === 'open';
        this.emit('connection');
        // After a (re)connect, events may have been missed: fetch the current picture.
        if (c === 'open') void this.refresh();
      }),
    ];
    return () => { for (const off of offs) off(); };
  }

  async refresh(): Promise<void> {
    await Promise.all([this.refreshStatus(), this.refreshRequests()]);
  }

  async refreshStatus(): Promise<void> {
    try {
      this.state.summary = await this.api.status();
      this.state.unreachable = undefined;
    } catch (err) {
      const w = errorWords(err);
      const code = (err as { code?: string }).code;
      this.state.unreachable = { ...w, unauthorized: code === 'unauthorized' || code === 'forbidden' };
    }
    this.emit('summary');
  }

  async refreshRequests(): Promise<void> {
    try {
      this.state.requests = (await this.api.listPairing()).requests;
      this.state.requestsLoaded = true;
      this.emit('requests');
    } catch { /* shown through the status banner */ }
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  onLogLine(listener: (line: LogLine) => void): () => void {
    this.logListeners.add(listener);
    return () => { this.logListeners.delete(listener); };
  }

  emit(change: Change): void {
    for (const l of this.listeners) l(change);
  }

  pendingCount(): number {
    return this.state.requestsLoaded ? this.state.requests.length : this.state.summary?.pendingPairing ?? 0;
  }
}
