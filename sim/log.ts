// Simulator logging, and the quiet mode's filter for libsignal's console chatter (it prints whole
// session objects on console.info/warn for every new session, on both sides of a conversation).
import { describe, type BinaryNode } from './protocol/nodes.ts';
import type { SimLog } from './world/world.ts';

export function makeLog(quiet: boolean, sink: (line: string) => void): SimLog {
  return {
    verbose: !quiet,
    info: (message) => {
      if (!quiet) sink(`[sim] ${message}`);
    },
    // Warnings are for the unexpected (a handler threw): shown even when quiet.
    warn: (message) => sink(`[sim] warning: ${message}`),
    stanza: (direction: '<-' | '->', connection: string, n: BinaryNode) => sink(`[sim] ${connection} ${direction} ${describe(n)}`),
  };
}

const LIBSIGNAL_NOISE = /^(Closing session|Opening session|Removing old closed session|Closing open session in favor|Decrypted message with closed session|Session already|Migrating session to|Failed to decrypt message with any known session|Session error:)/;

let installed = 0;
let restore: (() => void) | undefined;

/** Filters libsignal's console.info/warn/error lines until the returned function is called. */
export function muteLibsignal(): () => void {
  if (installed++ === 0) {
    const original = { info: console.info, warn: console.warn, error: console.error };
    const wrap =
      (fn: (...args: unknown[]) => void) =>
      (...args: unknown[]) => {
        if (typeof args[0] === 'string' && LIBSIGNAL_NOISE.test(args[0])) return;
        fn(...args);
      };
    console.info = wrap(original.info);
    console.warn = wrap(original.warn);
    console.error = wrap(original.error);
    restore = () => {
      console.info = original.info;
      console.warn = original.warn;
      console.error = original.error;
    };
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--installed === 0) restore?.();
  };
}
