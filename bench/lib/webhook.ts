// The agent for the reliability suites: a webhook (Clawline's `webhook` agent kind) that answers
// every message with "pong <message id>", so each reply can be attributed to its question.
import { createServer, type Server } from 'node:http';

export interface EchoWebhook {
  url: string;
  /** Requests received (retries and repeats included). */
  requests: number;
  close(): Promise<void>;
}

export async function startEchoWebhook(): Promise<EchoWebhook> {
  const hook: EchoWebhook = { url: '', requests: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hook.requests++;
      let id = '';
      try {
        id = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messageId?: unknown }).messageId ?? '');
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text: `pong ${id}` }));
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  hook.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/agent`;
  hook.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return hook;
}
