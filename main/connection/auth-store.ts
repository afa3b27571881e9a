// What the connection needs from the credential store, as an interface, so the account code
// does not care how credentials are kept. The default is main/auth (atomic, cached, optionally
// encrypted); tests may inject others.
import type { AuthenticationState } from '@whiskeysockets/baileys';
import { archiveAccountCredentials, createAuthStore, readLinkState, type KeyProvider } from '../auth/index.ts';
import type { Clock } from '../shared/clock.ts';

export interface AccountAuthStore {
  state: AuthenticationState;
  /** Persist the current creds (called on every Baileys `creds.update`). */
  saveCreds(): Promise<void>;
  /** Resolves once everything saved so far is on disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface AuthStoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type AuthStoreFactory = (options: { dir: string; logger: AuthStoreLogger }) => Promise<AccountAuthStore>;

/** Moves an account's credentials into a timestamped backup folder; returns it (undefined: nothing to move). */
export type CredentialArchiver = (stateDir: string, accountId: string, reason: string) => Promise<string | undefined>;

/** Whether the folder holds credentials of a linked device. */
export type LinkStateReader = (dir: string) => Promise<boolean>;

export interface AuthBackend {
  createStore: AuthStoreFactory;
  archive: CredentialArchiver;
  isLinked: LinkStateReader;
}

/** main/auth: the store every real account uses. (Its own write timers stay on the real clock.) */
export function defaultAuthBackend(options: { keyProvider?: KeyProvider | null; clock?: Clock } = {}): AuthBackend {
  return {
    createStore: ({ dir, logger }) => createAuthStore({ dir, logger, keyProvider: options.keyProvider }),
    archive: async (stateDir, accountId, reason) => (await archiveAccountCredentials(stateDir, accountId, reason, { clock: options.clock })) ?? undefined,
    isLinked: async (dir) => (await readLinkState(dir, { keyProvider: options.keyProvider })).linked,
  };
}
