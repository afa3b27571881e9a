// What every doctor check may look at, as one injectable object: tests hand in a temp state
// dir, a FakeClock, fake network probes and a fake running gateway; the CLI and the app hand
// in the real ones (createDoctorContext).
import type { KeyProvider } from '../auth/index.ts';
import type { AccountStatus, GatewaySummary } from '../control/contract.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { discoveredGateway } from './gateway-source.ts';
import { realNetProbes } from './net.ts';

/** Where a DNS + TLS connection attempt stopped. */
export type DnsTlsResult =
  | { ok: true; address: string }
  | { ok: false; stage: 'dns' | 'connect' | 'tls'; error: string };

export interface NetProbes {
  /** True when a TCP connection to host:port opens within timeoutMs (nothing is sent). */
  tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean>;
  /** The server's HTTP Date header as epoch ms; rejects when the server cannot be reached. */
  httpDate(url: string, timeoutMs: number): Promise<number>;
  /** Resolves the name, connects, completes a TLS handshake, closes. */
  dnsTls(host: string, port: number, timeoutMs: number): Promise<DnsTlsResult>;
}

/** What a running gateway reports about itself. */
export type GatewayProbe =
  | { running: true; summary: GatewaySummary; pid?: number; startedAt?: number; kind?: string; /** its control port */ port?: number }
  /** `note` says why we think so (no endpoint file, a dead pid, no answer...). */
  | { running: false; note?: string };

export interface GatewayStatusSource {
  probe(): Promise<GatewayProbe>;
}

export interface DoctorContext {
  stateDir: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  net: NetProbes;
  /** The running gateway; omitted means "none is running". */
  gateway?: GatewayStatusSource;
  /** Check only this account (CLI --account). */
  accountId?: string;
  /** Needed to read encrypted credential folders; without it their contents are not verified. */
  keyProvider?: KeyProvider | null;
  /** process.versions by default; tests inject Bun or an old Node. */
  versions?: Partial<NodeJS.ProcessVersions> & { bun?: string };
  /** Free bytes on the disk holding `path`; fs.statfs by default. */
  freeBytes?: (path: string) => Promise<number>;
  /** OpenClaw's gateway port to probe; default OPENCLAW_GATEWAY_PORT, then openclaw.json gateway.port, then 18789. */
  openclawPort?: number;
}

export interface CreateDoctorContextOptions {
  stateDir: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  accountId?: string;
  keyProvider?: KeyProvider | null;
  /** Default: the gateway found through <stateDir>/clawline/gateway.json. */
  gateway?: GatewayStatusSource;
  net?: Partial<NetProbes>;
}

/** The real context: system clock, real network probes, the gateway found on disk. */
export function createDoctorContext(options: CreateDoctorContextOptions): DoctorContext {
  return {
    stateDir: options.stateDir,
    env: options.env ?? process.env,
    clock: options.clock ?? systemClock,
    net: { ...realNetProbes, ...options.net },
    gateway: options.gateway ?? discoveredGateway(options.stateDir),
    ...(options.accountId ? { accountId: options.accountId } : {}),
    ...(options.keyProvider !== undefined ? { keyProvider: options.keyProvider } : {}),
  };
}

/** A status source for a gateway living in this very process (the desktop app). */
export function inProcessGateway(summary: () => GatewaySummary | Promise<GatewaySummary>, startedAt?: number): GatewayStatusSource {
  return {
    async probe() {
      return { running: true, summary: await summary(), pid: process.pid, ...(startedAt !== undefined ? { startedAt } : {}), kind: 'in-process' };
    },
  };
}

export type { AccountStatus, GatewaySummary };
