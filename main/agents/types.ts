// The agent's side of the message pipeline. The I/O shapes are the pipeline's own contract
// (main/messages/agent-types.ts) and the settings are `clawline.agent` as main/config resolves
// them; this file only adds what agents need on top. Type-only imports: no runtime coupling.
import type { Agent as PipelineAgent, AgentInput, AgentOutput } from '../messages/index.ts';
import type { AgentConfig as ResolvedAgentConfig, AgentKind } from '../config/index.ts';
import type { Clock } from '../shared/clock.ts';

export type { AgentInput, AgentOutput, AgentKind };
export type { AttachmentKind, HistoryEntry, InboundAttachment, OutboundMedia } from '../messages/index.ts';

/** `clawline.agent`; `kind` may be left out (or the whole section): then the built-in agent answers. */
export type AgentConfig = Omit<ResolvedAgentConfig, 'kind'> & { kind?: AgentKind };

export interface AgentCallOptions {
  /** Cancels the call (gateway stopping); input.signal is honoured the same way. */
  signal?: AbortSignal;
}

/**
 * One agent, as the pipeline calls it. `reply()` yields parts of the answer as they are ready
 * (the OpenAI agent yields text as the model writes it): texts concatenate, media append, the
 * last reaction wins. Nothing yielded means "no reply". It throws an AgentError (cause + next
 * step) when it cannot answer, and the abort reason when it was cancelled.
 */
export interface Agent extends PipelineAgent {
  readonly kind: AgentKind;
  /** One line for logs and status, never containing secrets: "openai llama3 at http://...". */
  readonly description: string;
  reply(input: AgentInput, opts?: AgentCallOptions): AsyncIterable<AgentOutput>;
}

/** pino's `logger.warn(obj, msg)` shape, so a pino child logger can be passed as is. */
export interface AgentLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AgentDeps {
  stateDir: string;
  clock?: Clock;
  logger?: AgentLogger;
  fetch?: typeof fetch;
}
