// One error type for everything the credential store refuses to do, with a stable code the
// doctor and the gateway can branch on and a message that names the directory and the fix.
export type AuthStoreErrorCode =
  | 'NOT_A_DIRECTORY'
  | 'ALREADY_OPEN'
  | 'STORE_CLOSED'
  | 'MARKER_INVALID'
  | 'MARKER_MISSING'
  | 'ENCRYPTED_STORE_NEEDS_KEY'
  | 'PLAIN_STORE_GIVEN_KEY'
  | 'KEY_ID_MISMATCH'
  | 'WRONG_KEY'
  | 'MIGRATION_INTERRUPTED'
  | 'CREDS_UNREADABLE'
  | 'CREDS_INVALID'
  | 'KEY_FILE_INVALID'
  | 'BAD_ACCOUNT_ID';

export class AuthStoreError extends Error {
  override readonly name = 'AuthStoreError';
  constructor(
    readonly code: AuthStoreErrorCode,
    message: string,
    /** The directory or file the problem is about. */
    readonly path?: string,
  ) {
    super(message);
  }
}

/** Minimal logger shape (pino-compatible) so the store does not depend on a logging setup. */
export interface AuthLogger {
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: AuthLogger = { info() {}, warn() {}, error() {} };
