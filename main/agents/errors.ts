// One error type for every way an agent can fail, carrying a code a program can switch on,
// the cause in plain words (message) and the owner's next step. Agents throw it; the pipeline
// sends the sender its own apology and logs this; "Test connection" shows explain().
import type { AgentKind } from './types.ts';

export type AgentErrorCode =
  | 'not-configured' // a required setting is missing or malformed
  | 'unreachable' // connection refused, unknown host, reset
  | 'timeout' // no complete answer within timeoutMs
  | 'auth' // 401/403: key or secret refused
  | 'not-found' // 404: wrong URL/path
  | 'model-not-found' // the server is up but does not have that model
  | 'server-error' // 5xx
  | 'client-error' // other 4xx
  | 'bad-response' // the answer was not in the expected format
  | 'spawn-failed' // the command could not be started
  | 'exit-code' // the command exited non-zero or was killed
  | 'output-too-large'; // the answer exceeded the size cap

export class AgentError extends Error {
  override readonly name = 'AgentError';
  readonly agentKind: AgentKind;
  readonly code: AgentErrorCode;
  /** What the owner should do about it, in plain words. */
  readonly nextStep: string;
  /** HTTP status or exit code when there is one. */
  readonly status?: number;

  constructor(agentKind: AgentKind, code: AgentErrorCode, message: string, nextStep: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.agentKind = agentKind;
    this.code = code;
    this.nextStep = nextStep;
    if (options.status !== undefined) this.status = options.status;
  }

  /** Cause and next step as one sentence pair, for "Test connection" and log lines. */
  explain(): string {
    return `${this.message} ${this.nextStep}`;
  }

  /** For structured logs: no stack noise, no secrets (messages are built without them). */
  toJSON(): Record<string, unknown> {
    return { agentKind: this.agentKind, code: this.code, message: this.message, nextStep: this.nextStep, status: this.status };
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR');
}

/** The system error code behind a failed fetch or socket ("ECONNREFUSED"), if any. */
export function networkErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
  }
  return undefined;
}

/** A plain-words phrase for a network failure: "connection refused", "unknown host name". */
export function describeNetworkError(err: unknown): string {
  const code = networkErrorCode(err);
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return 'unknown host name';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET': return 'the connection was closed by the server';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return 'the host is unreachable from this computer';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT': return 'the connection attempt timed out';
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': return 'the server certificate is not trusted';
    default: {
      const inner = (err as { cause?: { message?: string } })?.cause?.message ?? (err as Error)?.message ?? String(err);
      return code ? `${code}: ${inner}` : inner;
    }
  }
}

/** Shortens a response body or stderr for an error message: one line, bounded, secrets removed. */
export function excerpt(text: string, max = 300, secrets: Array<string | undefined> = []): string {
  let out = text.replace(/\s+/g, ' ').trim();
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

export function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s} s` : `${s.toFixed(1)} s`;
}

/** A URL fit for logs and messages: no user:password part, no query string (may hold tokens). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
