// The typed control contract: one list of operations and events shared by main (IPC and the
// loopback control server), preload and renderer. Request payloads are validated here, at
// the boundary, with zod; responses are plain JSON described by the TypeScript types below.
// Pure module: no Node, no Electron, so the renderer can import it.
import { z } from 'zod';
import type { AccountStatus } from '../connection/status.ts';
import type { PairingRequestView } from '../access/pairing-store.ts';

export type { AccountStatus } from '../connection/status.ts';
export type { PairingRequestView } from '../access/pairing-store.ts';

const accountId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'account ids are 1-64 letters, digits, _ or -');
// Codes are shown grouped (ABCD-EFGH) in the window; accept them typed either way.
const pairingCode = z.string().max(20).transform((s) => s.replace(/[\s-]/g, '').toUpperCase()).pipe(z.string().regex(/^[A-HJ-NP-Z2-9]{8}$/, 'a pairing code is 8 letters and digits'));
const keyPath = z.array(z.union([z.string().min(1).max(200), z.number().int().nonnegative()])).min(1).max(12);

/** Request payload schema for every operation. */
export const requestSchemas = {
  'status.get': z.object({}).strict(),
  'link.start': z.object({ accountId: accountId.default('default'), method: z.enum(['qr', 'code']).default('qr'), phone: z.string().max(32).optional() }).strict(),
  'link.cancel': z.object({ accountId: accountId.default('default') }).strict(),
  'account.logout': z.object({ accountId: accountId.default('default') }).strict(),
  'account.reset': z.object({ accountId: accountId.default('default') }).strict(),
  'gateway.start': z.object({}).strict(),
  'gateway.stop': z.object({}).strict(),
  'gateway.restart': z.object({}).strict(),
  'pairing.list': z.object({ accountId: accountId.optional() }).strict(),
  'pairing.approve': z.object({ code: pairingCode, notify: z.boolean().default(false), accountId: accountId.optional() }).strict(),
  'pairing.dismiss': z.object({ code: pairingCode, accountId: accountId.optional() }).strict(),
  'settings.get': z.object({}).strict(),
  'settings.set': z.object({ path: keyPath, value: z.unknown() }).strict(),
  'settings.unset': z.object({ path: keyPath }).strict(),
  'doctor.run': z.object({}).strict(),
  'doctor.fix': z.object({ checkId: z.string().min(1).max(100) }).strict(),
  'logs.tail': z.object({
    limit: z.number().int().min(1).max(5000).default(200),
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).optional(),
    subsystem: z.string().max(40).optional(),
    accountId: accountId.optional(),
    search: z.string().max(200).optional(),
  }).strict(),
  'diagnostics.export': z.object({}).strict(),
  'agent.test': z.object({}).strict(),
} as const;

export type OperationName = keyof typeof requestSchemas;
export type RequestOf<K extends OperationName> = z.input<(typeof requestSchemas)[K]>;
export type ParsedRequestOf<K extends OperationName> = z.output<(typeof requestSchemas)[K]>;

export interface Finding {
  severity: 'error' | 'warning' | 'info';
  path: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}


export interface DoctorCheckResult {
  id: string;
  title: string;
  status: 'ok' | 'warn' | 'fail' | 'skipped';
  finding: string;
  nextStep?: string;
  /** Present when one call to doctor.fix can repair it. */
  fix?: { label: string };
}

export interface LogLine {
  time: number;
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  subsystem?: string;
  accountId?: string;
  msg: string;
  [key: string]: unknown;
}

export interface GatewaySummary {
  running: boolean;
  version: string;
  waWebVersion?: { version: string; source: 'fetched' | 'bundled' | 'simulator' };
  /** Whether credentials are encrypted at rest, and with what. */
  encryption?: { enabled: boolean; provider: string; warning?: string };
  accounts: AccountStatus[];
  pendingPairing: number;
}

/** Response type for every operation. */
export interface Responses {
  'status.get': GatewaySummary;
  'link.start': { ok: true };
  'link.cancel': { ok: true };
  'account.logout': { ok: true };
  'account.reset': { ok: true; backupDir?: string };
  'gateway.start': { ok: true };
  'gateway.stop': { ok: true };
  'gateway.restart': { ok: true };
  'pairing.list': { requests: PairingRequestView[] };
  'pairing.approve': { ok: true; id: string };
  'pairing.dismiss': { ok: true };
  /**
   * `text`: openclaw.json as it is on disk now (the UI edits from it); `whatsapp`/`agent`: the
   * settings in force (the last valid file with defaults applied), which differ while the file
   * has errors; `findings`: what is wrong with the file now.
   */
  'settings.get': { path: string; text: string; whatsapp: unknown; agent: unknown; findings: Finding[] };
  'settings.set': { ok: boolean; findings: Finding[] };
  'settings.unset': { ok: boolean; findings: Finding[] };
  'doctor.run': { checks: DoctorCheckResult[] };
  'doctor.fix': { ok: boolean; check: DoctorCheckResult };
  'logs.tail': { lines: LogLine[] };
  'diagnostics.export': { path: string };
  'agent.test': { ok: boolean; message: string };
}

/** Events pushed from the gateway to every window/client. */
export interface Events {
  status: GatewaySummary;
  pairing: { requests: PairingRequestView[]; added?: PairingRequestView };
  log: LogLine;
  config: { findings: Finding[] };
}
export type EventName = keyof Events;

/** Errors crossing the boundary: a code a program can switch on and words a person can read. */
export interface ControlError {
  code: 'bad-request' | 'not-found' | 'gateway-not-running' | 'unauthorized' | 'forbidden' | 'failed';
  message: string;
  nextStep?: string;
}

/** What the renderer calls: exactly the contract, whether over IPC (preload) or HTTP (browser). */
export interface ControlClient {
  call<K extends OperationName>(op: K, request: RequestOf<K>): Promise<Responses[K]>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

export function parseRequest<K extends OperationName>(op: K, payload: unknown): ParsedRequestOf<K> {
  const schema = requestSchemas[op];
  if (!schema) throw Object.assign(new Error(`unknown operation ${String(op)}`), { code: 'not-found' });
  return schema.parse(payload ?? {}) as ParsedRequestOf<K>;
}

export function isOperation(name: string): name is OperationName {
  return Object.prototype.hasOwnProperty.call(requestSchemas, name);
}

/** What main implements once (the gateway) and both front ends (IPC, control server) call. */
export interface ControlHandler {
  handle<K extends OperationName>(op: K, request: ParsedRequestOf<K>): Promise<Responses[K]>;
  subscribe(listener: <E extends EventName>(event: E, payload: Events[E]) => void): () => void;
}
