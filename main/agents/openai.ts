// Replies from any OpenAI-compatible chat completions server: Ollama, LM Studio, llama.cpp's
// server, vLLM, OpenAI itself. POST {baseUrl}/chat/completions with `stream: true`; servers that
// answer with plain JSON instead (or refuse streaming) are handled too. Each chat keeps its own
// bounded memory on disk (history.ts). The API key goes only into the Authorization header:
// it is never logged and is scrubbed from any server text we quote.
import { systemClock, type Clock } from '../shared/clock.ts';
import { readTextCapped, startDeadline, type Deadline } from './deadline.ts';
import { AgentError, displayUrl, describeNetworkError, excerpt, isAbortError, networkErrorCode, seconds } from './errors.ts';
import { ChatHistoryStore } from './history.ts';
import type { OpenAISettings } from './settings.ts';
import { SseDataParser } from './sse.ts';
import type { Agent, AgentCallOptions, AgentDeps, AgentInput, AgentLogger, AgentOutput } from './types.ts';
import { callSignal } from './wire.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Longest answer we accept; a model stuck in a loop is cut here rather than filling memory. */
export const MAX_REPLY_CHARS = 64_000;
const MAX_JSON_BYTES = 4 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 16 * 1024;

/** What the model sees for one incoming WhatsApp message: who, what it replies to, what is attached. */
export function formatUserMessage(input: AgentInput): string {
  const parts: string[] = [];
  if (input.history?.length) {
    const lines = input.history.map((m) => `${m.senderName ?? m.senderId}: ${m.text}`);
    parts.push(`[Earlier messages in this ${input.isGroup ? 'group' : 'chat'}]\n${lines.join('\n')}\n[End of earlier messages]`);
  }
  if (input.quoted?.text) {
    parts.push(`[Replying to ${input.quoted.fromMe ? 'your' : 'an earlier'} message: "${input.quoted.text}"]`);
  }
  for (const a of input.attachments) {
    parts.push(`[Attached ${a.kind}${a.fileName ? ` "${a.fileName}"` : ''}: ${a.mimetype}, ${formatSize(a.size)}]`);
  }
  const who = input.sender.name ? `${input.sender.name} (${input.sender.id})` : input.sender.id;
  parts.push(input.isGroup ? `${who}: ${input.text}` : input.text);
  return parts.filter((p) => p.trim()).join('\n');
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/**
 * The part of a model's output meant for the reader, without leading whitespace: reasoning
 * models (DeepSeek-R1, QwQ via Ollama) open with a <think>…</think> block that must not reach
 * WhatsApp. Returns '' while the block is still open (or the text could still become "<think>").
 */
export function visibleText(raw: string): string {
  const start = raw.trimStart();
  if (start.startsWith('<think>')) {
    const end = start.indexOf('</think>');
    return end < 0 ? '' : start.slice(end + '</think>'.length).trimStart();
  }
  if (start && '<think>'.startsWith(start)) return '';
  return start;
}

export class OpenAIAgent implements Agent {
  readonly kind = 'openai' as const;
  readonly description: string;
  private readonly clock: Clock;
  private readonly fetch: typeof fetch;
  private readonly logger?: AgentLogger;
  private readonly history: ChatHistoryStore;
  private readonly endpoint: string;

  constructor(private readonly settings: OpenAISettings, deps: AgentDeps) {
    this.clock = deps.clock ?? systemClock;
    this.fetch = deps.fetch ?? globalThis.fetch;
    if (deps.logger) this.logger = deps.logger;
    this.endpoint = `${settings.baseUrl}/chat/completions`;
    this.description = `openai ${settings.model} at ${displayUrl(settings.baseUrl)}`;
    this.history = new ChatHistoryStore({
      stateDir: deps.stateDir,
      clock: this.clock,
      ...(deps.logger ? { logger: deps.logger } : {}),
      maxTurns: settings.historyTurns,
      maxChars: settings.historyMaxChars,
    });
  }

  async *reply(input: AgentInput, opts?: AgentCallOptions): AsyncIterable<AgentOutput> {
    const deadline = startDeadline(this.clock, this.settings.timeoutMs, callSignal(input, opts));
    try {
      const past = await this.history.load(input.accountId, input.chatId);
      const question = formatUserMessage(input);
      const messages: ChatMessage[] = [
        { role: 'system', content: this.settings.systemPrompt },
        ...past.map((t) => ({ role: t.role, content: t.content })),
        { role: 'user', content: question },
      ];
      let raw = '';
      let emitted = 0;
      try {
        for await (const delta of this.complete(messages, deadline.signal)) {
          raw += delta;
          // Trailing whitespace is held back until more text follows, so the parts add up to
          // exactly the trimmed answer.
          const ready = visibleText(raw).trimEnd();
          if (ready.length > emitted) {
            yield { text: ready.slice(emitted) };
            emitted = ready.length;
          }
          if (raw.length > MAX_REPLY_CHARS) {
            this.logger?.warn({ agent: this.description, chars: raw.length }, 'model answer too long; cut it short');
            break;
          }
        }
      } catch (err) {
        deadline.throwIfCallerAborted();
        throw this.toAgentError(err, deadline);
      }
      const answer = visibleText(raw).trimEnd();
      if (!answer) {
        throw new AgentError('openai', 'bad-response', `The model ${this.settings.model} at ${displayUrl(this.settings.baseUrl)} returned an empty answer.`,
          'Try the message again; if it keeps happening, try another model or a shorter system prompt.');
      }
      const now = this.clock.now();
      try {
        await this.history.append(input.accountId, input.chatId, [
          { role: 'user', content: question, at: now },
          { role: 'assistant', content: answer, at: now },
        ]);
      } catch (err) {
        // The answer is still worth sending; only the memory of it is lost.
        this.logger?.warn({ agent: this.description, err: (err as Error).message }, 'could not save the conversation history');
      }
    } finally {
      deadline.dispose();
    }
  }

  /**
   * One chat completion, yielding text as it arrives. Exposed for "Test connection", which
   * must exercise the same path as a real reply.
   */
  async *complete(messages: ChatMessage[], signal: AbortSignal, stream = true): AsyncGenerator<string> {
    const res = await this.fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: stream ? 'text/event-stream, application/json' : 'application/json',
        ...(this.settings.apiKey ? { Authorization: `Bearer ${this.settings.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: this.settings.model, messages, stream }),
      signal,
    });
    if (!res.ok) {
      const { text } = await readTextCapped(res, MAX_ERROR_BODY_BYTES).catch(() => ({ text: '' }));
      // A few servers refuse `stream: true` outright; ask again for a plain JSON answer.
      if (stream && (res.status === 400 || res.status === 422) && /stream/i.test(text)) {
        this.logger?.debug({ agent: this.description }, 'server refused streaming; asking for a plain answer');
        yield* this.complete(messages, signal, false);
        return;
      }
      throw this.httpError(res.status, text);
    }
    const type = res.headers.get('content-type') ?? '';
    if (res.body && type.includes('text/event-stream')) {
      yield* this.readEventStream(res.body);
      return;
    }
    const { text, truncated } = await readTextCapped(res, MAX_JSON_BYTES);
    if (/^\s*data:/.test(text)) {
      // Streamed, but labelled as something else: parse the events all the same.
      const parser = new SseDataParser();
      for (const data of [...parser.push(text), ...parser.end()]) {
        const delta = this.eventDelta(data);
        if (delta === null) return;
        yield delta;
      }
      return;
    }
    if (truncated) throw this.badResponse(`an answer larger than ${MAX_JSON_BYTES / 1024 / 1024} MB`);
    yield this.jsonContent(text);
  }

  /** GET {baseUrl}/models: the model names a server offers, or undefined when it will not say. */
  async listModels(signal: AbortSignal): Promise<string[] | undefined> {
    try {
      const res = await this.fetch(`${this.settings.baseUrl}/models`, {
        headers: this.settings.apiKey ? { Authorization: `Bearer ${this.settings.apiKey}` } : {},
        signal,
      });
      if (!res.ok) return undefined;
      const { text } = await readTextCapped(res, MAX_JSON_BYTES);
      const body = JSON.parse(text) as { data?: Array<{ id?: unknown }> };
      return body.data?.map((m) => m.id).filter((id): id is string => typeof id === 'string');
    } catch {
      return undefined;
    }
  }

  private async *readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseDataParser();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        const events = done ? parser.push(decoder.decode()).concat(parser.end()) : parser.push(decoder.decode(value, { stream: true }));
        for (const data of events) {
          const delta = this.eventDelta(data);
          if (delta === null) return;
          if (delta) yield delta;
        }
        if (done) return;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  /** Text of one streamed chunk; null at "[DONE]"; throws on an error event. */
  private eventDelta(data: string): string | null {
    if (data.trim() === '[DONE]') return null;
    let chunk: { choices?: Array<{ delta?: { content?: unknown } }>; error?: unknown };
    try {
      chunk = JSON.parse(data);
    } catch {
      throw this.badResponse(`a stream event that is not JSON: ${excerpt(data, 120)}`);
    }
    if (chunk.error) throw this.serverMessageError(chunk.error);
    const content = chunk.choices?.[0]?.delta?.content;
    return typeof content === 'string' ? content : '';
  }

  private jsonContent(text: string): string {
    let body: { choices?: Array<{ message?: { content?: unknown } }>; error?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw this.badResponse(`something that is not JSON: ${excerpt(text, 120, [this.settings.apiKey])}`);
    }
    if (body?.error) throw this.serverMessageError(body.error);
    const content = body?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw this.badResponse(`JSON without choices[0].message.content: ${excerpt(text, 120, [this.settings.apiKey])}`);
    return content;
  }

  private badResponse(what: string): AgentError {
    return new AgentError('openai', 'bad-response', `The server at ${displayUrl(this.settings.baseUrl)} answered with ${what}.`,
      'Check that clawline.agent.openai.baseUrl points at an OpenAI-compatible API; it usually ends in /v1.');
  }

  private serverMessageError(error: unknown): AgentError {
    const message = typeof error === 'string' ? error : String((error as { message?: unknown }).message ?? JSON.stringify(error));
    return new AgentError('openai', 'server-error', `The model server reported an error: ${excerpt(message, 300, [this.settings.apiKey])}`,
      "Check the model server's own log; it may be out of memory or still loading the model.");
  }

  /** Maps an HTTP error status (and the server's words) to a cause and a next step. */
  httpError(status: number, body: string): AgentError {
    const url = displayUrl(this.settings.baseUrl);
    const said = excerpt(serverWords(body), 200, [this.settings.apiKey]);
    const detail = said ? `: ${said}` : '';
    const model = this.settings.model;
    if (status === 401 || status === 403) {
      return new AgentError('openai', 'auth', `The server at ${url} refused the request (HTTP ${status}${detail}).`,
        this.settings.apiKey ? 'Check the API key in clawline.agent.openai.apiKey.' : 'This server needs an API key: set clawline.agent.openai.apiKey.', { status });
    }
    if ((status === 404 || status === 400) && /model/i.test(said) && /not (be )?found|does not exist|not exist|unknown|no such|try pulling/i.test(said)) {
      return new AgentError('openai', 'model-not-found', `The server at ${url} has no model called "${model}"${detail}.`,
        `Use a model the server has (Ollama: run \`ollama pull ${model}\`, or \`ollama list\` to see yours) and put its name in clawline.agent.openai.model.`, { status });
    }
    if (status === 404) {
      return new AgentError('openai', 'not-found', `Nothing answers at ${url}/chat/completions (HTTP 404${detail}).`,
        `Check clawline.agent.openai.baseUrl: it usually ends in /v1 (Ollama: http://127.0.0.1:11434/v1, LM Studio: http://127.0.0.1:1234/v1, llama.cpp: http://127.0.0.1:8080/v1).`, { status });
    }
    if (status === 429) {
      return new AgentError('openai', 'client-error', `The server at ${url} is rate-limiting us or the account is out of credit (HTTP 429${detail}).`,
        'Wait a minute, or check the plan and billing of the account behind the API key.', { status });
    }
    if (status >= 500) {
      return new AgentError('openai', 'server-error', `The model server at ${url} had an error (HTTP ${status}${detail}).`,
        "Check the model server's own log; it may be out of memory or still loading the model.", { status });
    }
    return new AgentError('openai', 'client-error', `The server at ${url} rejected the request (HTTP ${status}${detail}).`,
      `Check the model name ("${model}") and the base URL in clawline.agent.openai.`, { status });
  }

  /** Any failure of a call, as an AgentError with the real cause. */
  toAgentError(err: unknown, deadline: Deadline): AgentError {
    if (err instanceof AgentError) return err;
    const url = displayUrl(this.settings.baseUrl);
    if (deadline.timedOut()) {
      return new AgentError('openai', 'timeout', `The model ${this.settings.model} at ${url} did not finish answering within ${seconds(this.settings.timeoutMs)}.`,
        'The first message after a model loads can be slow: try again, pick a smaller model, or raise clawline.agent.openai.timeoutMs.', { cause: err });
    }
    if (networkErrorCode(err) || (err instanceof TypeError && /fetch failed/i.test(err.message))) {
      return new AgentError('openai', 'unreachable', `Nothing is answering at ${url} (${describeNetworkError(err)}).`,
        'Start your model server (Ollama: `ollama serve`; LM Studio: start its local server) or correct clawline.agent.openai.baseUrl.', { cause: err });
    }
    const message = isAbortError(err) ? 'the request was cancelled' : excerpt((err as Error)?.message ?? String(err), 200, [this.settings.apiKey]);
    return new AgentError('openai', 'unreachable', `Talking to the model server at ${url} failed: ${message}.`,
      'Check that the model server is running and that clawline.agent.openai.baseUrl is right.', { cause: err });
  }
}

/** The human part of an error body: OpenAI/Ollama wrap it as {"error":{"message"}} or {"error":"..."}. */
function serverWords(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown; detail?: unknown };
    const e = parsed.error;
    if (typeof e === 'string') return e;
    if (e && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
    if (typeof parsed.message === 'string') return parsed.message;
    if (typeof parsed.detail === 'string') return parsed.detail;
  } catch {
    // not JSON: quote the text itself
  }
  return body;
}
