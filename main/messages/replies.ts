// The few things the gateway itself says to senders (the agent says everything else).
import { formatMb } from './media-store.ts';

/** Prefix on every reply in self-chat mode, so the owner can tell the agent's lines from their own. */
export const SELF_CHAT_PREFIX = '[clawline] ';

export function agentFailedText(): string {
  return "Sorry, I couldn't answer that just now. Please try again in a little while.";
}

export function mediaTooLargeText(size: number | undefined, maxBytes: number): string {
  const what = size ? `That file is ${formatMb(size)}, which is` : 'That file is';
  return `${what} more than I can take (up to ${formatMb(maxBytes)}). Could you send a smaller one, or a link to it?`;
}
