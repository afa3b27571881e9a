// Errors the connection layer hands to callers: a code a program can branch on, a sentence
// naming the account, and the next step. The words come from explain.ts.
import { refusal } from './explain.ts';
export type ConnectionErrorCode =
  /** No open socket and none coming: the gateway is not running or the account is not connected. */
  | 'no-active-listener'
  /** Waited for a reconnect that did not come in time. */
  | 'send-timeout'
  /** link() on an account that already has linked credentials. */
  | 'already-linked'
  /** Another Clawline process holds the account's lock. */
  | 'locked'
  /** Bad input (account id, phone number). */
  | 'bad-request';

export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    readonly code: ConnectionErrorCode,
    readonly accountId: string,
    message: string,
    readonly nextStep?: string,
  ) {
    super(nextStep ? `${message} ${nextStep}` : message);
  }
}

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function assertAccountId(accountId: string): void {
  if (!ACCOUNT_ID.test(accountId)) {
    const r = refusal.badAccountId(accountId);
    throw new ConnectionError('bad-request', accountId, r.message, r.nextStep);
  }
}
