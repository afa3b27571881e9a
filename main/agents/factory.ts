// Builds the agent that `clawline.agent` describes. The gateway calls this at start and again
// whenever the settings change; a bad setting throws an AgentError naming the key to fix.
import { AGENT_KINDS } from '../config/index.ts';
import { BuiltinAgent } from './builtin.ts';
import { CommandAgent } from './command.ts';
import { AgentError } from './errors.ts';
import { OpenAIAgent } from './openai.ts';
import { WebhookAgent } from './webhook.ts';
import { resolveCommandSettings, resolveOpenAISettings, resolveWebhookSettings } from './settings.ts';
import type { Agent, AgentConfig, AgentDeps } from './types.ts';

/** No `clawline.agent` at all (or no kind) means the built-in agent: it works with no setup. */
export function createAgent(config: AgentConfig | undefined, deps: AgentDeps): Agent {
  const kind = config?.kind ?? 'builtin';
  switch (kind) {
    case 'builtin':
      return new BuiltinAgent(config?.builtin);
    case 'openai':
      return new OpenAIAgent(resolveOpenAISettings(config?.openai), deps);
    case 'webhook':
      return new WebhookAgent(resolveWebhookSettings(config?.webhook), deps);
    case 'command':
      return new CommandAgent(resolveCommandSettings(config?.command), deps);
    default:
      throw new AgentError('builtin', 'not-configured', `clawline.agent.kind is "${String(kind)}", which Clawline does not know.`,
        `Use one of: ${AGENT_KINDS.join(', ')}.`);
  }
}
