// The CLI's view of "the gateway": the running one over the control server when there is
// one, otherwise a gateway started inside this command (no control server) for the
// duration of the command. Commands are written once against this port.
import type { EventName, Events, OperationName, RequestOf, Responses } from '../control/contract.ts';
import { parseRequest } from '../control/contract.ts';
import { connectToRunningGateway } from '../control/client.ts';
import type { GatewayOptions } from '../gateway.ts';
import { UsageError, type CliContext } from './context.ts';

export interface GatewayPort {
  /** true when talking to a separate running gateway process. */
  readonly remote: boolean;
  call<K extends OperationName>(op: K, request: RequestOf<K>): Promise<Responses[K]>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  close(): Promise<void>;
}

export async function runningGatewayPort(ctx: CliContext): Promise<GatewayPort | undefined> {
  const client = await connectToRunningGateway(ctx.stateDir);
  if (!client) return undefined;
  const subscriptions = new Set<() => void>();
  return {
    remote: true,
    call: (op, req) => client.call(op, req),
    on: (event, listener) => {
      const off = client.on(event, listener);
      subscriptions.add(off);
      return () => { subscriptions.delete(off); off(); };
    },
    // Closes the event sockets this command opened; the gateway itself keeps running.
    close: async () => { for (const off of subscriptions) off(); subscriptions.clear(); },
  };
}

const TIMING_KEYS = ['heartbeatMs', 'livenessWindowMs', 'keepAliveIntervalMs', 'connectTimeoutMs', 'qrTimeoutMs', 'pairConfirmTimeoutMs', 'sendWaitMs', 'logoutConnectTimeoutMs'] as const;

/**
 * Gateway options every CLI-hosted gateway takes from the environment:
 * CLAWLINE_KEY_FILE (encryption key for credentials at rest) and, in simulator mode only
 * (CLAWLINE_WA_URL set), CLAWLINE_TEST_TIMINGS: JSON with shorter connection timings so
 * end-to-end tests of the built CLI finish in seconds. Real WhatsApp always gets the defaults.
 */
export async function gatewayOptionsFromEnv(env: NodeJS.ProcessEnv): Promise<Pick<GatewayOptions, 'keyProvider' | 'timings' | 'env'>> {
  const keyFile = env.CLAWLINE_KEY_FILE;
  const keyProvider = keyFile ? (await import('../auth/index.ts')).keyFileProvider(keyFile) : null;
  const raw = env.CLAWLINE_WA_URL ? env.CLAWLINE_TEST_TIMINGS : undefined;
  if (!raw) return { keyProvider, env };
  let parsed: unknown;
  try { parsed = JSON.parse(raw); } catch { parsed = undefined; }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`CLAWLINE_TEST_TIMINGS must be a JSON object such as {"qrTimeoutMs": 500} (got ${raw}); unset it to use the normal timings.`);
  const timings: Record<string, number> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(TIMING_KEYS as readonly string[]).includes(key)) throw new UsageError(`CLAWLINE_TEST_TIMINGS: unknown key "${key}" (known: ${TIMING_KEYS.join(', ')})`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new UsageError(`CLAWLINE_TEST_TIMINGS: "${key}" must be a whole number of milliseconds above 0 (got ${JSON.stringify(value)})`);
    timings[key] = value;
  }
  return { keyProvider, env, timings };
}

/** A gateway inside this process, not connecting any account until asked to. */
export async function inProcessGatewayPort(ctx: CliContext, options: { connect?: boolean } = {}): Promise<GatewayPort> {
  const fromEnv = await gatewayOptionsFromEnv(ctx.env);
  const { startGateway } = await import('../gateway.ts');
  const gateway = await startGateway({ stateDir: ctx.stateDir, kind: 'headless', control: false, connect: options.connect ?? false, logLevel: 'warn', ...fromEnv });
  return {
    remote: false,
    call: (op, req) => gateway.handle(op, parseRequest(op, req)),
    on: (event, listener) => gateway.subscribe((e, payload) => { if ((e as string) === event) listener(payload as never); }),
    // The command's own work is done and reported by then; a failing shutdown is a warning
    // (with its cause) rather than a stack trace that hides the result.
    close: () => gateway.stop().catch((err: Error) => { ctx.err(`Warning: the gateway inside this command did not shut down cleanly: ${err?.message ?? String(err)}`); }),
  };
}
