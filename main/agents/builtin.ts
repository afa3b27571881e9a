// The agent that works with no setup, so a freshly linked number can be checked end to end:
// "ping" gets "pong", anything else gets the auto-reply (an empty auto-reply means silence).
import type { Agent, AgentCallOptions, AgentConfig, AgentInput, AgentOutput } from './types.ts';
import { callSignal } from './wire.ts';

export const DEFAULT_AUTO_REPLY =
  "Hi! This number is connected with Clawline, but no AI agent is set up yet, so I can't answer properly. " +
  '(Owner: open Clawline → Settings → Agent to choose one. Send "ping" to check the connection.)';

export function isPing(text: string): boolean {
  return text.trim().toLowerCase() === 'ping';
}

export class BuiltinAgent implements Agent {
  readonly kind = 'builtin' as const;
  readonly description = 'built-in (ping → pong, auto-reply otherwise)';
  private readonly autoReply: string;

  constructor(config: AgentConfig['builtin'] = {}) {
    this.autoReply = config.autoReply ?? DEFAULT_AUTO_REPLY;
  }

  async *reply(input: AgentInput, opts?: AgentCallOptions): AsyncIterable<AgentOutput> {
    callSignal(input, opts)?.throwIfAborted();
    const text = isPing(input.text) ? 'pong' : this.autoReply.trim();
    if (text) yield { text };
  }
}
