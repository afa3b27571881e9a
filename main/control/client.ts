// The HTTP side of the contract, for the CLI (and tests): same calls as the window makes.
import WebSocket from 'ws';
import type { ControlClient, ControlError, EventName, Events, OperationName, RequestOf, Responses } from './contract.ts';
import { pidAlive, readEndpoint, readToken } from './discovery.ts';

export class ControlCallError extends Error {
  constructor(readonly status: number, readonly error: ControlError) {
    super(error.message);
  }
}

export class HttpControlClient implements ControlClient {
  constructor(readonly baseUrl: string, private readonly token: string, private readonly timeoutMs = 120_000) {}

  async call<K extends OperationName>(op: K, request: RequestOf<K>): Promise<Responses[K]> {
    const res = await fetch(`${this.baseUrl}/api/${op}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify(request ?? {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as { error?: ControlError };
    if (!res.ok) throw new ControlCallError(res.status, body.error ?? { code: 'failed', message: `HTTP ${res.status}` });
    return body as Responses[K];
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    const ws = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}/api/events`, [`clawline.token.${this.token}`]);
    ws.on('message', (data) => {
      try {
        const msg = JSON.parse(String(data)) as { event: EventName; payload: unknown };
        if (msg.event === event) listener(msg.payload as Events[E]);
      } catch { /* a malformed frame is ignored: the server only sends JSON */ }
    });
    ws.on('error', () => {});
    return () => ws.close();
  }
}

/** The running gateway for this state dir, or undefined when none answers. */
export async function connectToRunningGateway(stateDir: string): Promise<HttpControlClient | undefined> {
  const endpoint = await readEndpoint(stateDir);
  const token = await readToken(stateDir);
  if (!endpoint || !token || !pidAlive(endpoint.pid)) return undefined;
  const client = new HttpControlClient(endpoint.url, token);
  try {
    await fetch(`${endpoint.url}/api/status.get`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(3000) }).then((r) => { if (!r.ok) throw new Error(String(r.status)); });
    return client;
  } catch {
    return undefined;
  }
}
