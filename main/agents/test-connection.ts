// The "Test connection" button: tries the configured agent once with a harmless "ping" and
// says, in plain words, either that it works or what is wrong and how to fix it. Never
// throws, never writes conversation history.
import { AGENT_KINDS } from '../config/index.ts';
import { systemClock } from '../shared/clock.ts';
import { BuiltinAgent } from './builtin.ts';
import { collectReply } from './collect.ts';
import { CommandAgent } from './command.ts';
import { startDeadline } from './deadline.ts';
import { AgentError, displayUrl, excerpt } from './errors.ts';
import { OpenAIAgent, visibleText } from './openai.ts';
import { resolveCommandSettings, resolveOpenAISettings, resolveWebhookSettings } from './settings.ts';
import type { AgentConfig, AgentDeps, AgentInput, AgentOutput } from './types.ts';
import { WebhookAgent } from './webhook.ts';

export interface AgentTestResult {
  ok: boolean;
  message: string;
}

/** The message a test sends; webhooks also get the header X-Clawline-Test: 1. */
export const TEST_INPUT: AgentInput = {
  accountId: 'test',
  chatId: 'clawline-test',
  messageId: 'CLAWLINE-TEST',
  sender: { id: '+10000000000', jid: '10000000000@s.whatsapp.net', name: 'Clawline connection test' },
  isGroup: false,
  text: 'ping',
  attachments: [],
};

const TEST_PROMPT = 'This is a connection test. Reply with the single word: pong';

export async function testAgent(config: AgentConfig | undefined, deps: Partial<AgentDeps> = {}): Promise<AgentTestResult> {
  try {
    const kind = config?.kind ?? 'builtin';
    switch (kind) {
      case 'builtin':
        return await testBuiltin(config?.builtin);
      case 'openai':
        return await testOpenAI(config?.openai, deps);
      case 'webhook': {
        const settings = resolveWebhookSettings(config?.webhook);
        const reply = await new WebhookAgent(settings, deps).deliver(TEST_INPUT, undefined, { 'X-Clawline-Test': '1' });
        const unsigned = settings.secret ? '' : ' Messages are not signed: set clawline.agent.webhook.secret so your service can check they come from Clawline.';
        return answered(reply, `The webhook at ${displayUrl(settings.url)} answered`, unsigned);
      }
      case 'command': {
        const settings = resolveCommandSettings(config?.command);
        const text = await new CommandAgent(settings, deps).run(TEST_INPUT);
        return answered(text ? { text } : {}, `The command "${settings.command}" ran and answered`, '');
      }
      default:
        return { ok: false, message: `clawline.agent.kind is "${String(kind)}", which Clawline does not know. Use one of: ${AGENT_KINDS.join(', ')}.` };
    }
  } catch (err) {
    if (err instanceof AgentError) return { ok: false, message: err.explain() };
    return { ok: false, message: `The test could not run: ${(err as Error)?.message ?? String(err)}` };
  }
}

async function testBuiltin(config: AgentConfig['builtin']): Promise<AgentTestResult> {
  const reply = await collectReply(new BuiltinAgent(config).reply(TEST_INPUT));
  return {
    ok: reply.text === 'pong',
    message: 'The built-in agent is active: it answers "ping" with "pong" and everything else with your auto-reply. Choose an AI agent in Settings → Agent to get real answers.',
  };
}

async function testOpenAI(config: AgentConfig['openai'], deps: Partial<AgentDeps>): Promise<AgentTestResult> {
  const settings = resolveOpenAISettings(config);
  const clock = deps.clock ?? systemClock;
  // History is off for the test, so the state dir is never touched.
  const agent = new OpenAIAgent({ ...settings, historyTurns: 0 }, { ...deps, stateDir: deps.stateDir ?? '' });
  const deadline = startDeadline(clock, settings.timeoutMs);
  const where = `${settings.model} at ${displayUrl(settings.baseUrl)}`;
  try {
    let raw = '';
    for await (const delta of agent.complete([{ role: 'user', content: TEST_PROMPT }], deadline.signal)) raw += delta;
    const said = visibleText(raw).trim();
    return { ok: true, message: `Connected to ${where}${said ? `: it answered "${excerpt(said, 80)}"` : ''}.` };
  } catch (err) {
    const error = agent.toAgentError(err, deadline);
    if (error.code !== 'model-not-found') return { ok: false, message: error.explain() };
    const available = await agent.listModels(deadline.signal);
    const hint = available?.length ? ` The server has: ${available.slice(0, 12).join(', ')}${available.length > 12 ? ', …' : ''}.` : '';
    return { ok: false, message: `${error.message}${hint} ${error.nextStep}` };
  } finally {
    deadline.dispose();
  }
}

function answered(reply: AgentOutput, what: string, note: string): AgentTestResult {
  const said = reply.text ? `: "${excerpt(reply.text, 80)}"` : reply.reaction ? ` with the reaction ${reply.reaction}` : ' (with no reply, so senders would get none)';
  return { ok: true, message: `${what}${said}.${note}` };
}
