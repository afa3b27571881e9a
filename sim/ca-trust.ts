// Making a process's global fetch (which Baileys 7 downloads media with) trust the simulator's CA.
// fetch ignores https.Agent; it dispatches through the undici dispatcher stored under the
// cross-version symbol below. We build an Agent of the same class Node bundles, so no `undici`
// dependency is needed; the npm `undici` package's setGlobalDispatcher writes the same slot.
import { rootCertificates } from 'node:tls';

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

interface DispatcherClass {
  new (opts: { connect: { ca: string[] } }): object;
}

/**
 * Lets global fetch in this process trust `caPem` in addition to the usual roots (and returns a
 * function restoring the previous dispatcher). Child processes: use NODE_EXTRA_CA_CERTS instead.
 */
export function trustCaForFetch(caPem: string | string[]): () => void {
  const slot = globalThis as unknown as Record<symbol, object | undefined>;
  // Constructing a Request makes Node load its bundled undici, which installs the default Agent.
  void new Request('http://127.0.0.1/');
  const previous = slot[GLOBAL_DISPATCHER];
  if (!previous) throw new Error('trustCaForFetch: this runtime has no undici global dispatcher (needs Node >= 18)');
  const Agent = previous.constructor as DispatcherClass;
  slot[GLOBAL_DISPATCHER] = new Agent({ connect: { ca: [...rootCertificates, ...(Array.isArray(caPem) ? caPem : [caPem])] } });
  return () => {
    slot[GLOBAL_DISPATCHER] = previous;
  };
}
