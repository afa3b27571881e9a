// Shared test fixtures for the agents: real HTTP servers on 127.0.0.1, temp state dirs and
// message builders. Every server records what it received and closes all its connections.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { AgentError, type AgentInput } from '../../main/agents/index.ts';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawBody: string;
}

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startServer(handle: (req: RecordedRequest, res: ServerResponse) => unknown): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      void handle(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** An address where nothing listens: a server is started and closed to get a free port. */
export async function deadUrl(): Promise<string> {
  const s = await startServer((_req, res) => res.end());
  await s.close();
  return s.url;
}

export interface OpenAIServerOptions {
  /** stream: SSE when asked; json: always plain JSON; refuse-stream: 400 on stream:true; hang: never answers. */
  mode?: 'stream' | 'json' | 'refuse-stream' | 'hang';
  models?: string[];
  apiKey?: string;
  /** The answer for a conversation; default echoes the last user message and counts user turns. */
  answer?: (messages: Array<{ role: string; content: string }>) => string;
  /** Pieces the SSE answer is cut into (default 3 characters, to split words and events). */
  pieceSize?: number;
}

export function defaultAnswer(messages: Array<{ role: string; content: string }>): string {
  const users = messages.filter((m) => m.role === 'user');
  return `turn ${users.length}: you said ${users[users.length - 1]?.content}`;
}

/** An OpenAI-compatible chat completions server, the way Ollama/LM Studio/llama.cpp speak it. */
export function startOpenAIServer(opts: OpenAIServerOptions = {}): Promise<TestServer> {
  const models = opts.models ?? ['llama3'];
  return startServer((req, res) => {
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization?.slice(7) ?? 'none'}`, type: 'invalid_request_error' } }));
      return;
    }
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model' })) }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('404 page not found');
      return;
    }
    const body = JSON.parse(req.rawBody) as { model: string; messages: Array<{ role: string; content: string }>; stream?: boolean };
    if (!models.includes(body.model)) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `model "${body.model}" not found, try pulling it first`, type: 'api_error' } }));
      return;
    }
    if (opts.mode === 'hang') return; // headers never sent: the client must time out
    if (opts.mode === 'refuse-stream' && body.stream) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'streaming is not supported by this server' } }));
      return;
    }
    const answer = (opts.answer ?? defaultAnswer)(body.messages);
    if (body.stream && (opts.mode ?? 'stream') === 'stream') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(': keep-alive\n\n');
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] })}\n\n`);
      const size = opts.pieceSize ?? 3;
      let wire = '';
      for (let i = 0; i < answer.length; i += size) {
        wire += `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: answer.slice(i, i + size) }, finish_reason: null }] })}\r\n\r\n`;
      }
      wire += `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;
      // Written in odd-sized slices so events and "\r\n" pairs straddle network chunks.
      for (let i = 0; i < wire.length; i += 7) res.write(wire.slice(i, i + 7));
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }] }));
  });
}

export async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clawline-agents-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function message(text: string, overrides: Partial<AgentInput> = {}): AgentInput {
  return {
    accountId: 'default',
    chatId: '4915112345678@s.whatsapp.net',
    messageId: '3EB0C0FFEE000001',
    sender: { id: '+4915112345678', jid: '4915112345678@s.whatsapp.net', name: 'Anna' },
    isGroup: false,
    text,
    attachments: [],
    ...overrides,
  };
}

/** Polls (real time, bounded) until cond() holds: for "the server got the request" moments. */
export async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await delay(5);
  }
  throw new Error(`gave up waiting for: ${what}`);
}

/** A pino-compatible destination that keeps every log line, to check what got logged. */
export function memoryLog(): { stream: Writable; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => lines.join('') };
}

/** Awaits a reply that must fail, and returns its AgentError for assertions. */
export async function failure(reply: Promise<unknown>): Promise<AgentError> {
  try {
    await reply;
  } catch (err) {
    assert.ok(err instanceof AgentError, `expected an AgentError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the agent to fail');
}
