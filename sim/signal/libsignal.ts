// Typed access to libsignal (1:1 sessions) and Baileys' sender-key classes (groups; libsignal
// 6.0.0 has none). Simulated devices use these directly rather than Baileys' own signal
// repository, so the two sides of a conversation do not share the code under test.
import libsignalModule from 'libsignal';
import type { LibSignal } from './libsignal-api.d.ts';

export const libsignal = libsignalModule as unknown as LibSignal;

export {
  GroupCipher,
  GroupSessionBuilder,
  SenderKeyDistributionMessage,
  SenderKeyName,
  SenderKeyRecord,
} from '@whiskeysockets/baileys/lib/Signal/Group/index.js';

export type {
  E2EBundle,
  ProtocolAddress,
  SessionRecord,
  SignalKeyPair,
  SignalStorage,
  SignedPreKeyPair,
} from './libsignal-api.d.ts';
