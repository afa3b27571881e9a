// Public face of the connection layer: Baileys socket lifecycle per account, linking, the
// status model, reconnects. Other folders import from here only.
export { AccountConnection, type AccountConnectionOptions, type AccountEvents, type ConnectionTimings, type LinkRequest } from './account-connection.ts';
export { ConnectionManager, DEFAULT_ACCOUNT_ID, discoverAccountIds, type AccountSpec, type ConnectionManagerOptions, type ManagerEvents, type SharedAccountOptions } from './connection-manager.ts';
export { defaultAuthBackend, type AccountAuthStore, type AuthBackend, type AuthStoreFactory, type CredentialArchiver, type LinkStateReader } from './auth-store.ts';
export { ConnectionError, type ConnectionErrorCode } from './errors.ts';
export { classifyDisconnect, reasonCode, type DisconnectReason, type DisconnectKind } from './disconnect.ts';
export { describeReason, explainClose, explainNoListener, explainNotLinked, type Explanation } from './explain.ts';
export { computeBackoff, decideAfterClose, normalizeReconnectPolicy, DEFAULT_RECONNECT_POLICY, DEFAULT_HEARTBEAT_MS, type ReconnectPolicy, type CloseAction } from './reconnect-policy.ts';
export { renderQrDataUrl, renderQrTerminal, formatPairingCode, normalizePhoneForPairing } from './qr.ts';
export { resolveWaVersion, BUNDLED_WA_VERSION, type ResolvedWaVersion } from './version.ts';
export { acquireAccountLock, accountLockPath, AccountLockedError, type AccountLock } from './lock.ts';
export { socketEnvironment, trustCaForMediaDownloads } from './socket-config.ts';
export { LivenessWatch, DEFAULT_LIVENESS_WINDOW_MS } from './liveness.ts';
export { DecryptFailureMonitor, type DecryptMonitorOptions } from './decrypt-monitor.ts';
export * from './status.ts';
