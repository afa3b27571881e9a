// The window's security rules: app:// serving with a strict CSP header, path containment,
// navigation / new-window / webview / permission guards, and secure BrowserWindow options.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY as SERVER_CSP } from '../../main/control/server.ts';
import {
  APP_START_URL, CONTENT_SECURITY_POLICY, appProtocolHandler, hardenSession, hardenWebContents, installAppProtocol, registerAppScheme, resolveAppFile,
} from '../../main/desktop/security.ts';
import { mainWindowOptions } from '../../main/desktop/window.ts';

let dir: string;
let rendererDir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawline-sec-'));
  rendererDir = join(dir, 'renderer');
  await mkdir(join(rendererDir, 'img'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>x</title>');
  await writeFile(join(rendererDir, 'app.js'), 'console.log(1)');
  await writeFile(join(rendererDir, 'img', 'logo.svg'), '<svg/>');
  await writeFile(join(dir, 'secret.txt'), 'do not serve');
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

test('the CSP is strict and the same as the loopback server sends', () => {
  assert.equal(CONTENT_SECURITY_POLICY, SERVER_CSP);
  for (const part of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
    assert.ok(CONTENT_SECURITY_POLICY.includes(part), part);
  }
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
});

test('app:// serves renderer files with the CSP header and the right type', async () => {
  const serve = appProtocolHandler(rendererDir);
  const index = await serve(new Request('app://clawline/'));
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  assert.match(index.headers.get('content-type')!, /text\/html/);
  assert.match(await index.text(), /<title>x/);
  const js = await serve(new Request('app://clawline/app.js'));
  assert.match(js.headers.get('content-type')!, /javascript/);
  const svg = await serve(new Request('app://clawline/img/logo.svg'));
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
  assert.equal(APP_START_URL, 'app://clawline/index.html');
});

test('app:// refuses paths outside the renderer folder, other hosts and writes', async () => {
  const serve = appProtocolHandler(rendererDir);
  for (const url of ['app://clawline/../secret.txt', 'app://clawline/%2e%2e/secret.txt', 'app://clawline/..%2fsecret.txt', 'app://clawline/img/..%2f..%2fsecret.txt', 'app://other/index.html', 'app://clawline/missing.js']) {
    const r = await serve(new Request(url));
    assert.equal(r.status, 404, url);
    assert.equal(r.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.doesNotMatch(await r.text(), /do not serve/);
  }
  assert.equal(resolveAppFile(rendererDir, 'app://clawline/a%00b'), undefined);
  assert.equal(resolveAppFile(rendererDir, 'https://clawline/index.html'), undefined);
  const post = await serve(new Request('app://clawline/index.html', { method: 'POST', body: 'x' }));
  assert.equal(post.status, 404);
});

test('the app scheme is registered as standard + secure and handled by our function', async () => {
  const registered: unknown[] = [];
  registerAppScheme({ registerSchemesAsPrivileged: (s) => { registered.push(...s); } });
  assert.deepEqual(registered, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  let handled: [string, (r: Request) => Promise<Response> | Response] | undefined;
  installAppProtocol({ handle: (scheme, fn) => { handled = [scheme, fn as never]; } }, rendererDir);
  assert.equal(handled![0], 'app');
  assert.equal((await handled![1](new Request('app://clawline/index.html'))).status, 200);
});

test('every permission request and check is denied', () => {
  let requestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | undefined;
  let checkHandler: ((...a: unknown[]) => boolean) | undefined;
  hardenSession({
    setPermissionRequestHandler: (h) => { requestHandler = h as never; },
    setPermissionCheckHandler: (h) => { checkHandler = h as never; },
  });
  for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal', 'unknown']) {
    let granted: boolean | undefined;
    requestHandler!({}, permission, (g) => { granted = g; });
    assert.equal(granted, false, permission);
    assert.equal(checkHandler!({}, permission, 'app://clawline', {}), false);
  }
});

function guardedContents() {
  const handlers = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  const opened: string[] = [];
  hardenWebContents({
    on: ((event: string, fn: never) => { handlers.set(event, fn); }) as never,
    setWindowOpenHandler: (fn) => { openHandler = fn as never; },
  }, { openExternal: (url) => opened.push(url) });
  const fire = (event: string, url?: string) => {
    let prevented = false;
    handlers.get(event)!({ preventDefault: () => { prevented = true; } }, url);
    return prevented;
  };
  return { handlers, fire, open: (url: string) => openHandler!({ url }), opened };
}

test('navigation away from app://clawline is blocked; in-app navigation is allowed', () => {
  const g = guardedContents();
  assert.equal(g.fire('will-navigate', 'https://evil.example/'), true);
  assert.equal(g.fire('will-navigate', 'file:///etc/passwd'), true);
  assert.equal(g.fire('will-navigate', 'app://other/index.html'), true);
  assert.equal(g.fire('will-redirect', 'http://127.0.0.1:1/'), true);
  assert.equal(g.fire('will-navigate', 'app://clawline/index.html#/logs'), false);
  assert.equal(g.fire('will-attach-webview'), true);
});

test('new windows are always denied; only allow-listed help pages open in the browser', () => {
  const g = guardedContents();
  assert.deepEqual(g.open('https://evil.example/'), { action: 'deny' });
  assert.deepEqual(g.open('app://clawline/index.html'), { action: 'deny' });
  assert.deepEqual(g.open('https://faq.whatsapp.com/1317564962315842'), { action: 'deny' });
  assert.deepEqual(g.opened, ['https://faq.whatsapp.com/1317564962315842']);
});

test('the window is created sandboxed, isolated, without Node, with our preload', () => {
  const o = mainWindowOptions('/app/dist/preload/preload.cjs', { width: 900, height: 700, x: 10, y: 20 });
  const w = o.webPreferences!;
  assert.equal(w.contextIsolation, true);
  assert.equal(w.sandbox, true);
  assert.equal(w.nodeIntegration, false);
  assert.equal(w.nodeIntegrationInSubFrames, false);
  assert.equal(w.webSecurity, true);
  assert.equal(w.webviewTag, false);
  assert.equal(w.allowRunningInsecureContent, false);
  assert.equal(w.preload, '/app/dist/preload/preload.cjs');
  assert.equal(o.show, false);
  assert.deepEqual([o.width, o.height, o.x, o.y], [900, 700, 10, 20]);
});
