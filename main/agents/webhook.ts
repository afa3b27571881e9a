// Replies from your own HTTP service. Each message is POSTed as JSON (the WireMessage in
// wire.ts: accountId, chatId, messageId, sender, isGroup, text, quoted?, attachments, history?);
// the answer is the reply.
//
// Request:
//   POST <url>
//   Content-Type: application/json
//   X-Clawline-Timestamp: <unix seconds when this attempt was sent>
//   X-Clawline-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>   (only when a secret is set)
//   X-Clawline-Delivery: <random id, the same on every retry of one message>
//   X-Clawline-Attempt: 1 | 2 | 3
// To verify: recompute the HMAC over the timestamp header, a ".", and the raw body bytes exactly
// as received; compare in constant time; reject timestamps more than 5 minutes from your clock
// (that, plus the timestamp being inside the signed string, stops replays).
//
// Response: 2xx with JSON {"text"?: string, "reaction"?: emoji} or a plain-text body (the text
// is the reply); 204 or an empty body means "no reply". Media from a webhook is not accepted:
// the reply must not be able to name arbitrary local files to send.
//
// Retries: network errors and 5xx are tried again (3 attempts, 1 s then 2 s apart); 4xx and
// redirects are not. timeoutMs bounds the whole delivery, retries included.
import { createHmac, randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../shared/clock.ts';
import { readTextCapped, sleep, startDeadline, type Deadline } from './deadline.ts';
import { AgentError, describeNetworkError, displayUrl, excerpt, isAbortError, networkErrorCode, seconds } from './errors.ts';
import type { WebhookSettings } from './settings.ts';
import type { Agent, AgentCallOptions, AgentDeps, AgentInput, AgentLogger, AgentOutput } from './types.ts';
import { callSignal, toWireMessage } from './wire.ts';

export const WEBHOOK_MAX_ATTEMPTS = 3;
export const WEBHOOK_BACKOFF_MS = [1000, 2000] as const;
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** The X-Clawline-Signature value for one request. */
export function signWebhook(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

export class WebhookAgent implements Agent {
  readonly kind = 'webhook' as const;
  readonly description: string;
  private readonly clock: Clock;
  private readonly fetch: typeof fetch;
  private readonly logger?: AgentLogger;

  constructor(private readonly settings: WebhookSettings, deps: Omit<AgentDeps, 'stateDir'> = {}) {
    this.clock = deps.clock ?? systemClock;
    this.fetch = deps.fetch ?? globalThis.fetch;
    if (deps.logger) this.logger = deps.logger;
    this.description = `webhook ${displayUrl(settings.url)}`;
  }

  async *reply(input: AgentInput, opts?: AgentCallOptions): AsyncIterable<AgentOutput> {
    const output = await this.deliver(input, opts, {});
    if (output.text || output.reaction) yield output;
  }

  /** One delivery with retries; extra headers let "Test connection" mark its request. Throws AgentError. */
  async deliver(input: AgentInput, opts: AgentCallOptions | undefined, extraHeaders: Record<string, string>): Promise<AgentOutput> {
    const deadline = startDeadline(this.clock, this.settings.timeoutMs, callSignal(input, opts));
    try {
      return await this.attempts(JSON.stringify(toWireMessage(input)), deadline, extraHeaders);
    } catch (err) {
      deadline.throwIfCallerAborted();
      throw this.toAgentError(err, deadline);
    } finally {
      deadline.dispose();
    }
  }

  private async attempts(body: string, deadline: Deadline, extraHeaders: Record<string, string>): Promise<AgentOutput> {
    const delivery = randomUUID();
    for (let attempt = 1; ; attempt++) {
      let failure: AgentError;
      try {
        const res = await this.fetch(this.settings.url, {
          method: 'POST',
          headers: this.headers(body, delivery, attempt, extraHeaders),
          body,
          redirect: 'manual',
          signal: deadline.signal,
        });
        if (res.status >= 200 && res.status < 300) return await this.parseReply(res);
        const { text } = await readTextCapped(res, 16 * 1024).catch(() => ({ text: '' }));
        failure = this.httpError(res, text);
        if (res.status < 500) throw failure;
      } catch (err) {
        if (err instanceof AgentError || deadline.signal.aborted) throw err;
        failure = this.toAgentError(err, deadline);
      }
      if (attempt >= WEBHOOK_MAX_ATTEMPTS) {
        throw new AgentError('webhook', failure.code, `${failure.message.replace(/\.$/, '')} (tried ${attempt} times).`, failure.nextStep, {
          cause: failure.cause ?? failure,
          ...(failure.status !== undefined ? { status: failure.status } : {}),
        });
      }
      const wait = WEBHOOK_BACKOFF_MS[Math.min(attempt, WEBHOOK_BACKOFF_MS.length) - 1] ?? 1000;
      this.logger?.warn({ agent: this.description, attempt, retryInMs: wait, cause: failure.message }, 'webhook attempt failed; trying again');
      await sleep(this.clock, wait, deadline.signal);
    }
  }

  private headers(body: string, delivery: string, attempt: number, extra: Record<string, string>): Record<string, string> {
    const timestamp = String(Math.floor(this.clock.now() / 1000));
    return {
      'Content-Type': 'application/json',
      'User-Agent': 'Clawline',
      'X-Clawline-Timestamp': timestamp,
      'X-Clawline-Delivery': delivery,
      'X-Clawline-Attempt': String(attempt),
      ...(this.settings.secret ? { 'X-Clawline-Signature': signWebhook(this.settings.secret, timestamp, body) } : {}),
      ...extra,
    };
  }

  private async parseReply(res: Response): Promise<AgentOutput> {
    const { text, truncated } = await readTextCapped(res, MAX_RESPONSE_BYTES);
    if (truncated) throw this.badResponse(`more than ${MAX_RESPONSE_BYTES / 1024 / 1024} MB`);
    if (res.status === 204 || !text.trim()) return {};
    const type = res.headers.get('content-type') ?? '';
    if (!/json/i.test(type)) return { text: text.trim() };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.badResponse(`JSON that does not parse: ${excerpt(text, 120)}`);
    }
    if (typeof parsed === 'string') return parsed.trim() ? { text: parsed.trim() } : {};
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw this.badResponse(`JSON that is not an object: ${excerpt(text, 120)}`);
    const { text: replyText, reaction } = parsed as { text?: unknown; reaction?: unknown };
    if (replyText !== undefined && replyText !== null && typeof replyText !== 'string') throw this.badResponse('a "text" that is not a string');
    if (reaction !== undefined && reaction !== null && typeof reaction !== 'string') throw this.badResponse('a "reaction" that is not a string');
    const reply: AgentOutput = {};
    if (typeof replyText === 'string' && replyText.trim()) reply.text = replyText.trim();
    if (typeof reaction === 'string' && reaction.trim()) reply.reaction = reaction.trim();
    return reply;
  }

  private badResponse(what: string): AgentError {
    return new AgentError('webhook', 'bad-response', `The webhook at ${displayUrl(this.settings.url)} answered with ${what}.`,
      'Make it answer with JSON like {"text": "Hello"} (or plain text, or an empty 204 for no reply).');
  }

  private httpError(res: Response, body: string): AgentError {
    const url = displayUrl(this.settings.url);
    const status = res.status;
    const detail = body.trim() ? `: ${excerpt(body, 200, [this.settings.secret])}` : '';
    if (status >= 300 && status < 400) {
      const location = res.headers.get('location');
      return new AgentError('webhook', 'not-found', `The webhook at ${url} redirects${location ? ` to ${displayUrl(location)}` : ''} (HTTP ${status}).`,
        'Put the final address in clawline.agent.webhook.url; messages are not forwarded through redirects.', { status });
    }
    if (status === 401 || status === 403) {
      return new AgentError('webhook', 'auth', `The webhook at ${url} refused the request (HTTP ${status}${detail}).`,
        'Make sure clawline.agent.webhook.secret matches the secret your service checks the X-Clawline-Signature with.', { status });
    }
    if (status === 404 || status === 405) {
      return new AgentError('webhook', 'not-found', `The webhook at ${url} does not accept messages there (HTTP ${status}${detail}).`,
        'Check the path in clawline.agent.webhook.url and that your service accepts POST requests on it.', { status });
    }
    if (status >= 500) {
      return new AgentError('webhook', 'server-error', `The webhook at ${url} had an error (HTTP ${status}${detail}).`,
        "Check your service's log for the error.", { status });
    }
    return new AgentError('webhook', 'client-error', `The webhook at ${url} rejected the message (HTTP ${status}${detail}).`,
      "Check your service's log: it did not accept the JSON Clawline sent.", { status });
  }

  private toAgentError(err: unknown, deadline: Deadline): AgentError {
    if (err instanceof AgentError) return err;
    const url = displayUrl(this.settings.url);
    if (deadline.timedOut()) {
      return new AgentError('webhook', 'timeout', `The webhook at ${url} did not answer within ${seconds(this.settings.timeoutMs)}.`,
        'Make your service answer faster (reply first, work later), or raise clawline.agent.webhook.timeoutMs.', { cause: err });
    }
    if (networkErrorCode(err) || (err instanceof TypeError && /fetch failed/i.test(err.message))) {
      return new AgentError('webhook', 'unreachable', `Nothing is answering at ${url} (${describeNetworkError(err)}).`,
        'Start your webhook service, or correct clawline.agent.webhook.url.', { cause: err });
    }
    const message = isAbortError(err) ? 'the request was cancelled' : excerpt((err as Error)?.message ?? String(err), 200, [this.settings.secret]);
    return new AgentError('webhook', 'unreachable', `Sending the message to ${url} failed: ${message}.`,
      'Check that your webhook service is running and that clawline.agent.webhook.url is right.', { cause: err });
  }
}
