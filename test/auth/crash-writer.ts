// Child process for the crash tests: opens a credential store and writes like a busy session
// (creds updates, hundreds of session rewrites, pre-key creates and deletes per round) until it is
// killed. Progress goes to stdout, one line each, written synchronously (pipes are synchronous on
// Linux) so the parent knows what was begun and what was durable at the moment of the kill:
//   ready <round found in creds>   begin <round>   commit <round>
import type { AuthenticationCreds, SignalDataSet, SignalKeyStore } from '@whiskeysockets/baileys';
import { createAuthStore, staticKeyProvider } from '../../main/auth/index.ts';
import { DEFAULT_WORKLOAD, credsRound, preKeyIds, preKeyValue, sessionValue, sessionWriters, type WriterConfig } from './crash-harness.ts';

const config = JSON.parse(process.env.CLAWLINE_CRASH_WRITER ?? '{}') as WriterConfig;
if (!config.dir) {
  process.stderr.write('crash-writer: set CLAWLINE_CRASH_WRITER to {"dir": ..., "store": "clawline"|"baileys"}\n');
  process.exit(2);
}
const workload = config.workload ?? DEFAULT_WORKLOAD;
const out = (line: string) => process.stdout.write(`${line}\n`);

// Never outlive the parent: it holds our stdin open.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(3), 60_000).unref();

interface OpenedStore {
  creds: AuthenticationCreds;
  keys: SignalKeyStore;
  saveCreds(): Promise<void>;
}

async function openStore(): Promise<OpenedStore> {
  if (config.store === 'baileys') {
    const { useMultiFileAuthState } = await import('@whiskeysockets/baileys');
    const { state, saveCreds } = await useMultiFileAuthState(config.dir);
    return { creds: state.creds, keys: state.keys, saveCreds };
  }
  const keyProvider = config.key ? staticKeyProvider(Buffer.from(config.key, 'base64')) : null;
  const store = await createAuthStore({ dir: config.dir, keyProvider });
  return { creds: store.state.creds, keys: store.state.keys, saveCreds: () => store.saveCreds() };
}

function runRound(store: OpenedStore, r: number): Promise<unknown> {
  const k = workload.preKeysPerRound;
  store.creds.additionalData = { crashRound: r };
  store.creds.nextPreKeyId = (r + 1) * k + 1;
  store.creds.firstUnuploadedPreKeyId = (r + 1) * k + 1;
  const session: NonNullable<SignalDataSet['session']> = {};
  for (let i = 0; i < workload.sessions; i++) if (sessionWriters(i)(r)) session[`${i}.0`] = sessionValue(r, i) as never;
  const preKeys: NonNullable<SignalDataSet['pre-key']> = {};
  for (const id of preKeyIds(r, k)) preKeys[id] = preKeyValue(id);
  if (r > 2) for (const id of preKeyIds(r - 2, k)) preKeys[id] = null;
  return Promise.all([
    store.keys.set({ session, 'pre-key': preKeys, 'sender-key': { [`g${r % 10}@g.us::1::0`]: Buffer.alloc(100, r & 0xff) } }),
    store.saveCreds(),
  ]);
}

const store = await openStore();
const start = credsRound(store.creds);
out(`ready ${start}`);
let chain: Promise<unknown> = Promise.resolve();
const window: Array<Promise<unknown>> = [];
for (let r = start + 1; ; r++) {
  out(`begin ${r}`); // before any byte of round r can reach the disk
  const round = runRound(store, r);
  chain = chain.then(() => round).then(() => out(`commit ${r}`));
  window.push(chain);
  if (window.length >= workload.inFlight) await window.shift();
}
