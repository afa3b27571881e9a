// The credential store: Baileys' auth state for one account directory
// (credentials/whatsapp/<accountId>/), file-compatible with OpenClaw and Baileys'
// useMultiFileAuthState (creds.json, pre-key-*.json, session-*.json, ... as BufferJSON), but:
//  - crash-proof: every write is temp + fsync + rename, one directory fsync per batch; leftover
//    temp files are removed at open; a validated creds.json.bak is kept and restored only when
//    creds.json is missing or unusable;
//  - fast: each key file is read at most once (then served from memory), writes are batched;
//  - private: directory 0700 / files 0600 (repaired at open), optional AES-256-GCM at rest;
//  - tidy: stale pre-keys and dead phone-number sessions are pruned (rules in prune.ts).
//
// Gateway use:
//   const store = await createAuthStore({ dir: statePaths(stateDir).accountAuthDir(id), keyProvider, logger });
//   const sock = makeWASocket({ auth: { creds: store.state.creds, keys: makeKeyStore(store) }, ... });
//   sock.ev.on('creds.update', () => void store.saveCreds());
//   ... on shutdown: end the socket, then await store.close().
// No makeCacheableSignalKeyStore around it: keys are already cached here. Baileys adds its own
// transaction layer; its commit awaits our set(), which resolves once the batch is durable.
//
// Encryption: a KeyProvider { id, getKey() } supplies a 32-byte key. The marker file
// clawline-store.json records "plain" or "encrypted" + key id + a key check, so a wrong key or a
// missing one is a clear error before anything is read; switching is only through
// migrateStoreEncryption(). Encrypted files start with "CLWAUTH", a version byte and the key id.
// OpenClaw cannot read an encrypted folder (it would see unreadable files and create a new identity),
// so only encrypt folders that Clawline alone uses.
export { createAuthStore, makeKeyStore, isStoreOpen } from './store.ts';
export type { AuthStore, AuthStoreOptions, AuthStoreStats, PruneResult, QuarantinedFile } from './store.ts';
export { keyFileProvider, staticKeyProvider, KEY_BYTES } from './codec.ts';
export type { KeyProvider } from './codec.ts';
export { migrateStoreEncryption } from './migrate.ts';
export { storeFormat } from './marker.ts';
export type { MigrateEncryptionOptions, MigrateEncryptionResult } from './migrate.ts';
export { readLinkState, inspectAuthDir } from './inspect.ts';
export type { LinkState, AuthDirReport } from './inspect.ts';
export { detectLegacyLayout, migrateLegacyLayout } from './legacy.ts';
export type { LegacyLayout, LegacyMigrationResult } from './legacy.ts';
export { archiveAccountCredentials, assertAccountId } from './archive.ts';
export { credsProblems } from './creds.ts';
export type { LinkedIdentity } from './creds.ts';
export { DEFAULT_PRUNE } from './prune.ts';
export type { PruneOptions } from './prune.ts';
export { AuthStoreError, silentLogger } from './errors.ts';
export type { AuthStoreErrorCode, AuthLogger } from './errors.ts';
export type { PermissionRepair } from './scan.ts';
export { CREDS_FILE, BACKUP_FILE, MARKER_FILE, keyFileName } from './layout.ts';
export { BufferJSON } from './buffer-json.ts';
