// Public face of main/config: openclaw.json (JSON5) — load, validate with positions, resolve the
// effective per-account settings, edit keeping comments, watch for outside edits.
export { normalizeE164, isAllowEntry, type E164Result } from './e164.ts';
export { parseKeyPath, formatKeyPath, KeyPathError, type KeyPath } from './key-path.ts';
export {
  loadConfig, checkConfig, evaluateConfigText, missingConfig, formatFinding, findingToJson, ConfigReadError,
  type LoadedConfig, type LoadOptions, type CheckResult, type CheckStatus,
} from './load.ts';
export {
  resolveEffectiveConfig, findAccount,
  type EffectiveConfig, type EffectiveWhatsAppConfig, type AccountSettings, type AgentConfig, type ClawlineSettings,
  type WebSettings, type ReconnectSettings, type GroupSettings, type AckReactionSettings, type ResolveOptions,
} from './resolve.ts';
export { setConfigValue, unsetConfigValue, type EditResult } from './update.ts';
export { setValueInText, unsetValueInText, EditError } from './edit.ts';
export { ConfigStore, watchConfig, type ConfigEvent, type ConfigListener, type ConfigStoreOptions } from './store.ts';
export { hasErrors } from './validate.ts';
export {
  DEFAULTS, DEFAULT_ACCOUNT_ID, DEFAULT_CONTROL_PORT, ACCOUNT_ID, DM_POLICIES, GROUP_POLICIES, CHUNK_MODES, ACK_GROUP_MODES, AGENT_KINDS,
  schemaAt, defaultValueAt,
  type DmPolicy, type GroupPolicy, type ChunkMode, type AckGroupMode, type AgentKind,
} from './schema.ts';
