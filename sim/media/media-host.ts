// The loopback "mmg" media host: HTTPS uploads (POST /mms/<type>/<encSha256>?auth=..) and
// downloads (GET /v/...), with a certificate signed by the simulator's CA. Simulated contacts
// read and write the same store in-process.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { World } from '../world/world.ts';
import type { SimTls } from './tls.ts';

const PATH_PREFIX: Record<string, string> = {
  image: 't62.7118-24',
  video: 't62.7161-24',
  audio: 't62.7117-24',
  document: 't62.7119-24',
  sticker: 't62.15575-24',
};

interface Blob {
  body: Buffer;
  kind: string;
}

function urlSafeB64(b: Buffer): string {
  return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class MediaHost {
  private server: Server | undefined;
  private readonly blobs = new Map<string, Blob>();
  /** The media_conn auth token uploads must carry. */
  readonly auth = randomBytes(12).toString('base64url');
  port = 0;

  constructor(
    private readonly world: World,
    private readonly tls: SimTls,
  ) {}

  /** host:port as media_conn announces it. */
  get hostname(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `https://${this.hostname}`;
  }

  async start(port = 0): Promise<void> {
    const server = createServer({ key: this.tls.keyPem, cert: this.tls.certPem }, (req, res) => {
      const url = new URL(req.url ?? '/', this.url);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST' && url.pathname.startsWith('/mms/')) {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          if (url.searchParams.get('auth') !== this.auth) return reply(401, { error: 'bad auth (use the token from media_conn)' });
          const claimed = decodeURIComponent(url.pathname.split('/').pop() ?? '');
          if (claimed !== urlSafeB64(createHash('sha256').update(body).digest())) {
            return reply(400, { error: 'body does not match the fileEncSha256 in the path' });
          }
          const kind = url.pathname.split('/')[2] ?? 'document';
          const { directPath, url: blobUrl } = this.put(kind, body);
          this.world.counts.mediaUploads++;
          this.world.changed();
          reply(200, { url: blobUrl, direct_path: directPath });
        });
        return;
      }
      if (req.method === 'GET' && url.pathname.startsWith('/v/')) {
        const blob = this.blobs.get(url.pathname);
        if (!blob) return reply(404, { error: 'no such media' });
        this.world.counts.mediaDownloads++;
        this.world.changed();
        const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
        if (range) {
          const start = range[1] ? Number(range[1]) : 0;
          const end = range[2] ? Math.min(Number(range[2]), blob.body.length - 1) : blob.body.length - 1;
          res.writeHead(206, {
            'content-type': 'application/octet-stream',
            'content-range': `bytes ${start}-${end}/${blob.body.length}`,
            'content-length': String(end - start + 1),
          });
          res.end(blob.body.subarray(start, end + 1));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.body.length) });
        res.end(blob.body);
        return;
      }
      reply(404, { error: 'not found' });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Stores an encrypted blob; returns the direct path and full URL a message carries. */
  put(kind: string, body: Buffer): { directPath: string; url: string } {
    const pathname = `/v/${PATH_PREFIX[kind] ?? PATH_PREFIX.document}/${randomBytes(16).toString('hex')}.enc`;
    this.blobs.set(pathname, { body, kind });
    const directPath = `${pathname}?ccb=11-4&oh=sim&oe=${Math.floor(this.world.now() / 1000) + 86400}`;
    return { directPath, url: `${this.url}${directPath}` };
  }

  /** A stored blob by direct path or URL (query ignored); undefined if unknown or not ours. */
  get(pathOrUrl: string): Buffer | undefined {
    try {
      const url = new URL(pathOrUrl, this.url);
      if (url.host !== this.hostname) return undefined;
      return this.blobs.get(url.pathname)?.body;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
