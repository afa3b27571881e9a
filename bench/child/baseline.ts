// Benchmark child, baseline side: the bot a user would write instead of Clawline, following
// Baileys' README: useMultiFileAuthState, `auth: state`, reconnect on every close except
// loggedOut, echo on `notify` AND `append` (answering only notify drops the redelivered backlog).
// Like Clawline's built-in agent it answers "ping" with "pong" and marks the message read first
// (Baileys' own example does readMessages), so both sides do the same protocol work per message.
// Stock Baileys 7.0.0-rc14, no fixes; pino at "warn" as Clawline runs Baileys' logger.
import { installFsMeter } from './fs-meter.ts';
import { childConfig, send, serveParent, uptimeMs } from './common.ts';

await installFsMeter();
const config = childConfig();
const importStart = performance.now();
const baileys = await import('@whiskeysockets/baileys');
const { default: pino } = await import('pino');
send({ type: 'ready', importMs: Math.round(performance.now() - importStart), uptimeMs: uptimeMs() });

const makeWASocket = baileys.default;
const { useMultiFileAuthState, DisconnectReason, Browsers } = baileys;
const logger = pino({ level: 'warn' });
const sockets = new Map<string, ReturnType<typeof makeWASocket>>();
let stopping = false;

function textOf(m: import('@whiskeysockets/baileys').WAMessage): string | undefined {
  return m.message?.conversation ?? m.message?.extendedTextMessage?.text ?? undefined;
}

async function connectToWhatsApp(accountId: string): Promise<void> {
  const { state, saveCreds } = await useMultiFileAuthState(`${config.stateDir}/${accountId}`);
  const sock = makeWASocket({ auth: state, logger, waWebSocketUrl: config.simUrl, browser: Browsers.ubuntu('Chrome'), markOnlineOnConnect: false });
  sockets.set(accountId, sock);
  const report = (state: 'qr' | 'connecting' | 'connected' | 'closed', extra: { qr?: string; detail?: string } = {}) =>
    send({ type: 'account', accountId, state, at: Date.now(), uptimeMs: uptimeMs(), ...extra });
  report('connecting');
  sock.ev.on('connection.update', (update) => {
    const { connection, lastDisconnect, qr } = update;
    if (qr) report('qr', { qr });
    if (connection === 'open') report('connected');
    if (connection === 'close') {
      const code = (lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
      report('closed', { detail: `${code ?? ''} ${lastDisconnect?.error?.message ?? ''}`.trim() });
      if (!stopping && code !== DisconnectReason.loggedOut) void connectToWhatsApp(accountId);
    }
  });
  sock.ev.on('creds.update', saveCreds);
  sock.ev.on('messages.upsert', async ({ messages }) => {
    for (const m of messages) {
      if (m.key.fromMe || !m.key.remoteJid) continue;
      if (textOf(m)?.trim().toLowerCase() !== 'ping') continue;
      try {
        await sock.readMessages([m.key]);
        await sock.sendMessage(m.key.remoteJid, { text: config.replyWithId ? `pong ${m.key.id}` : 'pong' });
      } catch (err) {
        logger.warn({ err }, 'reply failed');
      }
    }
  });
}

for (const accountId of config.accounts) await connectToWhatsApp(accountId);

serveParent({
  // The README bot shows a QR by itself whenever it has no credentials.
  link: async () => {},
  call: async (op) => { throw new Error(`the baseline has no control operations (${op})`); },
  async stop() {
    stopping = true;
    for (const sock of sockets.values()) sock.end(undefined);
    // useMultiFileAuthState writes are not awaited by anyone: give those in flight a moment.
    await new Promise((resolve) => setTimeout(resolve, 300));
  },
});
