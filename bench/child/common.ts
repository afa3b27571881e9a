// What both benchmark children share: reading their config, talking to the parent, and taking
// resource samples of their own process (CPU and RSS are per process, which is why each side
// runs alone in a child).
import { fsMeter } from './fs-meter.ts';
import { CHILD_CONFIG_ENV, type ChildConfig, type ChildMessage, type ParentMessage, type ResourceSample } from './protocol.ts';

export function childConfig(): ChildConfig {
  const raw = process.env[CHILD_CONFIG_ENV];
  if (!raw) throw new Error(`${CHILD_CONFIG_ENV} is not set: this script is started by bench/lib/sides.ts`);
  return JSON.parse(raw) as ChildConfig;
}

export function send(message: ChildMessage): void {
  process.send?.(message);
}

export function uptimeMs(): number {
  return Math.round(process.uptime() * 1000);
}

export function sample(gc = false): ResourceSample {
  if (gc) (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const usage = process.resourceUsage();
  const mem = process.memoryUsage();
  return {
    uptimeMs: uptimeMs(),
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    maxRssBytes: usage.maxRSS * 1024,
    fs: fsMeter(),
  };
}

let cpuProfile: { session: import('node:inspector').Session; post: (method: string, params?: object) => Promise<unknown> } | undefined;

const memoryProbes: Record<string, (request: unknown) => Promise<unknown>> = {
  /** Full GC, then every figure process.memoryUsage() has (external, arrayBuffers too). */
  async $memory() {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage();
  },
  /** Starts V8's CPU profiler (node:inspector), for `$cpuProfileStop`. */
  async $cpuProfileStart() {
    const { Session } = await import('node:inspector');
    const session = new Session();
    session.connect();
    const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
    await post('Profiler.enable');
    await post('Profiler.start');
    cpuProfile = { session, post };
    return true;
  },
  /** Stops the CPU profiler and writes the profile (.cpuprofile, for DevTools) to request.path. */
  async $cpuProfileStop(request) {
    if (!cpuProfile) throw new Error('no CPU profile running');
    const { profile } = (await cpuProfile.post('Profiler.stop')) as { profile: unknown };
    cpuProfile.session.disconnect();
    cpuProfile = undefined;
    const path = (request as { path: string }).path;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, JSON.stringify(profile));
    return path;
  },
  /** Full GC, then a V8 heap snapshot written to request.path; returns the path. */
  async $heapSnapshot(request) {
    (globalThis as { gc?: () => void }).gc?.();
    const { writeHeapSnapshot } = await import('node:v8');
    return writeHeapSnapshot((request as { path: string }).path);
  },
};

/** Handles the parent's messages; `handlers` covers what differs between the sides. */
export function serveParent(handlers: {
  link(accountId: string): Promise<void>;
  call(op: string, request: unknown): Promise<unknown>;
  stop(): Promise<void>;
}): void {
  process.on('message', (raw: ParentMessage) => {
    switch (raw.type) {
      case 'sample':
        send({ type: 'sample', id: raw.id, sample: sample(raw.gc) });
        return;
      case 'link':
        handlers.link(raw.accountId).catch((err: Error) => send({ type: 'fatal', error: `link ${raw.accountId}: ${err.stack ?? err.message}` }));
        return;
      case 'call':
        // Memory probes (bench/tools/heap-profile.ts) are answered here, the same for both sides.
        if (raw.op in memoryProbes) {
          memoryProbes[raw.op]!(raw.request).then(
            (result) => send({ type: 'reply', id: raw.id, ok: true, result }),
            (err: Error) => send({ type: 'reply', id: raw.id, ok: false, error: err.message }),
          );
          return;
        }
        handlers.call(raw.op, raw.request).then(
          (result) => send({ type: 'reply', id: raw.id, ok: true, result }),
          (err: Error) => send({ type: 'reply', id: raw.id, ok: false, error: err.message }),
        );
        return;
      case 'stop':
        handlers.stop().then(
          () => process.exit(0),
          (err: Error) => { send({ type: 'fatal', error: `stop: ${err.message}` }); process.exit(1); },
        );
        return;
    }
  });
  // The parent going away (killed, crashed) must not leave a gateway running.
  process.on('disconnect', () => process.exit(0));
}
