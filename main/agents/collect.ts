// For callers that want the whole reply at once rather than its parts as they come.
import type { AgentOutput } from './types.ts';

/**
 * Drains an agent's reply, merging parts the way the pipeline does: texts concatenate, media
 * append, the last reaction wins. `onText` sees each text part as it arrives. Errors propagate.
 */
export async function collectReply(parts: AsyncIterable<AgentOutput>, onText?: (text: string) => void): Promise<AgentOutput> {
  const reply: AgentOutput = {};
  for await (const part of parts) {
    if (part.text) {
      onText?.(part.text);
      reply.text = (reply.text ?? '') + part.text;
    }
    if (part.media?.length) reply.media = [...(reply.media ?? []), ...part.media];
    if (part.reaction) reply.reaction = part.reaction;
  }
  return reply;
}
