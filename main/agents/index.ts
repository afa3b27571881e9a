// Public face of main/agents: where replies come from. Everything else in the app imports
// from here only.
export type { Agent, AgentCallOptions, AgentConfig, AgentDeps, AgentInput, AgentKind, AgentLogger, AgentOutput } from './types.ts';
export type { WireMessage } from './wire.ts';
export { AgentError, type AgentErrorCode } from './errors.ts';
export { createAgent } from './factory.ts';
export { testAgent, TEST_INPUT, type AgentTestResult } from './test-connection.ts';
export { collectReply } from './collect.ts';
export { DEFAULT_AUTO_REPLY } from './builtin.ts';
export { signWebhook } from './webhook.ts';
export { clearAgentHistory, agentHistoryDir } from './history.ts';
export {
  DEFAULT_OPENAI_BASE_URL, DEFAULT_SYSTEM_PROMPT, DEFAULT_OPENAI_TIMEOUT_MS, DEFAULT_WEBHOOK_TIMEOUT_MS, DEFAULT_COMMAND_TIMEOUT_MS,
} from './settings.ts';
export { DEFAULT_HISTORY_TURNS, DEFAULT_HISTORY_MAX_CHARS } from './history.ts';
