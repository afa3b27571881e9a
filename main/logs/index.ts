// Logs: structured JSON lines under <stateDir>/logs (daily, size-rotated, retained), redacted
// for credentials, kept in memory for the window, and read back by tail/follow for the CLI
// and UI. Bundles use the stronger redactor (phones and message text hashed).
export { createLogger, baileysLogger, SUBSYSTEMS } from './logger.ts';
export type { Logs, Logger, Subsystem, LogBindings, CreateLoggerOptions } from './logger.ts';
export { DEFAULT_ROTATION } from './rotating-file.ts';
export type { RotationOptions } from './rotating-file.ts';
export { LOG_LEVELS, levelValue, isLevelSetting, parseLogLine, logFilter, formatLogEntry } from './log-entry.ts';
export type { LogLevel, LevelSetting, LogEntry, LogQuery } from './log-entry.ts';
export type { LogListener } from './ring-buffer.ts';
export { listLogFiles, logFileName, parseLogFileName, dayOf } from './log-files.ts';
export type { LogFileInfo } from './log-files.ts';
export { tailLogs, readLinesBackward } from './tail.ts';
export type { TailOptions, TailResult, LogCursor } from './tail.ts';
export { followLogs } from './follow.ts';
export type { FollowOptions, LogFollower } from './follow.ts';
export { REDACTED, isSecretKey, scrubSecretsInText, redactSecrets, createBundleRedactor } from './redact.ts';
export type { BundleRedactor } from './redact.ts';
