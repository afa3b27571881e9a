// The message as webhooks and commands receive it (JSON body / stdin). Fields are picked one
// by one so nothing that is not plain data (the AbortSignal) or not meant for them leaks out.
import type { AgentInput } from './types.ts';

export interface WireMessage {
  accountId: string;
  chatId: string;
  messageId: string;
  sender: { id: string; jid: string; name?: string };
  isGroup: boolean;
  text: string;
  quoted?: { text: string; fromMe: boolean };
  attachments: AgentInput['attachments'];
  history?: NonNullable<AgentInput['history']>;
}

export function toWireMessage(input: AgentInput): WireMessage {
  const wire: WireMessage = {
    accountId: input.accountId,
    chatId: input.chatId,
    messageId: input.messageId,
    sender: { id: input.sender.id, jid: input.sender.jid, ...(input.sender.name ? { name: input.sender.name } : {}) },
    isGroup: input.isGroup,
    text: input.text,
    attachments: input.attachments,
  };
  if (input.quoted) wire.quoted = input.quoted;
  if (input.history?.length) wire.history = input.history;
  return wire;
}

/** The caller's cancellation: the call options' signal, the input's, or either. */
export function callSignal(input: AgentInput, opts: { signal?: AbortSignal } | undefined): AbortSignal | undefined {
  const signals = [opts?.signal, input.signal].filter((s): s is AbortSignal => !!s);
  if (signals.length < 2) return signals[0];
  return signals[0] === signals[1] ? signals[0] : AbortSignal.any(signals);
}
