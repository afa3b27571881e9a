// The window's security rules, each a small function over injected Electron objects:
//  - the UI is served from app://clawline/ (a privileged standard scheme) with a strict CSP
//    header, never from file://, and only files inside the renderer folder are served;
//  - every permission request is denied; navigation away from app://clawline and new windows
//    are refused (a fixed allowlist of help pages opens in the browser instead);
//  - <webview> cannot be attached.
import type { Protocol, Session, WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'clawline';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

/** Same policy as the loopback server's (a test keeps them equal). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Pages the window may open in the person's browser (help links); everything else is refused. */
export const EXTERNAL_URL_ALLOWLIST: readonly string[] = ['https://faq.whatsapp.com/'];

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.map': 'application/json', '.woff2': 'font/woff2',
};

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

export function isAllowedExternalUrl(url: string): boolean {
  return EXTERNAL_URL_ALLOWLIST.some((prefix) => url.startsWith(prefix));
}

/** The file an app:// URL maps to, or undefined when it is foreign or escapes the folder. */
export function resolveAppFile(rendererDir: string, url: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const rel = normalize(pathname === '/' || pathname === '' ? '/index.html' : pathname);
  const base = normalize(rendererDir);
  const file = join(base, rel);
  return file.startsWith(base.endsWith(sep) ? base : base + sep) ? file : undefined;
}

/** The protocol.handle() handler: files from the renderer folder, each with the CSP header. */
export function appProtocolHandler(rendererDir: string, read: (file: string) => Promise<Uint8Array<ArrayBuffer>> = readFile as (file: string) => Promise<Uint8Array<ArrayBuffer>>): (request: Request) => Promise<Response> {
  return async (request) => {
    const headers = {
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    };
    const file = request.method === 'GET' || request.method === 'HEAD' ? resolveAppFile(rendererDir, request.url) : undefined;
    if (!file) return new Response('Not found', { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
    try {
      const body = await read(file);
      return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers: { ...headers, 'content-type': MIME[extname(file)] ?? 'application/octet-stream' } });
    } catch {
      return new Response('Not found', { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
    }
  };
}

/** Must run before `ready`: makes app:// behave like https (origin, fetch, secure context). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function installAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir));
}

/** The window needs no camera, notifications API, clipboard-read, ...: say no to all. */
export function hardenSession(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** Installed on every WebContents the app creates (app 'web-contents-created'). */
export function hardenWebContents(contents: GuardedContents, opts: { openExternal(url: string): void }): void {
  const blockForeign = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', blockForeign);
  contents.on('will-redirect', blockForeign);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) opts.openExternal(url);
    return { action: 'deny' };
  });
}
