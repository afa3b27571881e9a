// `clawline.agent` settings -> what each agent runs with: defaults filled in, and anything
// missing or malformed refused with an AgentError naming the key and what to put there.
// The config module validates types when the file loads; this is the agent's own last check.
import { AgentError } from './errors.ts';
import { DEFAULT_HISTORY_MAX_CHARS, DEFAULT_HISTORY_TURNS } from './history.ts';
import type { AgentConfig, AgentKind } from './types.ts';

export const DEFAULT_OPENAI_BASE_URL = 'http://127.0.0.1:11434/v1';
export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant chatting on WhatsApp. Answer briefly and conversationally, in the language of the message. ' +
  'Use plain text; *bold* and _italic_ are fine, but no tables or headings.';
/** Local models can take a while to load on the first message. */
export const DEFAULT_OPENAI_TIMEOUT_MS = 120_000;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 30_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

export interface OpenAISettings {
  baseUrl: string;
  model: string;
  apiKey?: string;
  systemPrompt: string;
  timeoutMs: number;
  historyTurns: number;
  historyMaxChars: number;
}

export interface WebhookSettings {
  url: string;
  secret?: string;
  timeoutMs: number;
}

export interface CommandSettings {
  command: string;
  args: string[];
  timeoutMs: number;
}

const SETTINGS_HINT = 'Open Clawline → Settings → Agent (or edit clawline.agent in openclaw.json).';

function notConfigured(kind: AgentKind, message: string, nextStep: string): AgentError {
  return new AgentError(kind, 'not-configured', message, `${nextStep} ${SETTINGS_HINT}`);
}

function requiredString(kind: AgentKind, key: string, value: unknown, example: string): string {
  if (typeof value === 'string' && value.trim()) return value.trim();
  throw notConfigured(kind, `clawline.agent.${key} is not set.`, `Enter ${example}.`);
}

function positiveMs(kind: AgentKind, key: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw notConfigured(kind, `clawline.agent.${key} must be a positive number of milliseconds (found ${JSON.stringify(value)}).`, `Use for example ${fallback}, or remove the key for the default.`);
}

function httpUrl(kind: AgentKind, key: string, value: string, example: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw notConfigured(kind, `clawline.agent.${key} is not a web address: "${value}".`, `Use a full address such as ${example}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw notConfigured(kind, `clawline.agent.${key} must start with http:// or https:// (found "${url.protocol}").`, `Use a full address such as ${example}.`);
  }
  return value.replace(/\/+$/, '');
}

export function resolveOpenAISettings(config: AgentConfig['openai'] = {}): OpenAISettings {
  const model = requiredString('openai', 'openai.model', config.model, 'the model name, e.g. "llama3.2" for Ollama or "gpt-4o-mini" for OpenAI');
  const baseUrl = httpUrl('openai', 'openai.baseUrl', config.baseUrl?.trim() || DEFAULT_OPENAI_BASE_URL, DEFAULT_OPENAI_BASE_URL);
  const turns = config.historyTurns;
  if (turns !== undefined && !(Number.isInteger(turns) && turns >= 0)) {
    throw notConfigured('openai', `clawline.agent.openai.historyTurns must be a whole number, 0 or more (found ${JSON.stringify(turns)}).`, `Use for example ${DEFAULT_HISTORY_TURNS}; 0 turns memory off.`);
  }
  const apiKey = config.apiKey?.trim();
  return {
    baseUrl,
    model,
    ...(apiKey ? { apiKey } : {}),
    systemPrompt: config.systemPrompt?.trim() || DEFAULT_SYSTEM_PROMPT,
    timeoutMs: positiveMs('openai', 'openai.timeoutMs', config.timeoutMs, DEFAULT_OPENAI_TIMEOUT_MS),
    historyTurns: turns ?? DEFAULT_HISTORY_TURNS,
    historyMaxChars: DEFAULT_HISTORY_MAX_CHARS,
  };
}

export function resolveWebhookSettings(config: AgentConfig['webhook'] = {}): WebhookSettings {
  const example = 'https://example.com/clawline-hook';
  const url = httpUrl('webhook', 'webhook.url', requiredString('webhook', 'webhook.url', config.url, `the address that should receive messages, e.g. ${example}`), example);
  const secret = config.secret?.trim();
  return { url, ...(secret ? { secret } : {}), timeoutMs: positiveMs('webhook', 'webhook.timeoutMs', config.timeoutMs, DEFAULT_WEBHOOK_TIMEOUT_MS) };
}

export function resolveCommandSettings(config: AgentConfig['command'] = {}): CommandSettings {
  const command = requiredString('command', 'command.command', config.command, 'the program to run, e.g. /usr/local/bin/my-bot (a full path is safest)');
  const args = config.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw notConfigured('command', 'clawline.agent.command.args must be a list of words, e.g. ["reply.py", "--short"].', 'Fix the list.');
  }
  return { command, args: [...args], timeoutMs: positiveMs('command', 'command.timeoutMs', config.timeoutMs, DEFAULT_COMMAND_TIMEOUT_MS) };
}
