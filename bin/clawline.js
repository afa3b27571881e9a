#!/usr/bin/env node
// Runs the bundled CLI (npm run build makes dist/). Plain Node: no Electron needed.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/main/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('clawline: not built yet. Run "npm run build" in the Clawline folder first.\n');
  process.exit(2);
}
const { main } = await import(entry.href);
// Exit explicitly: Baileys leaves a 30 s timer behind after a login, which would otherwise keep
// a finished command (e.g. `channels login`) waiting.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => { process.stderr.write(`clawline: ${err?.stack ?? err}\n`); process.exit(1); },
);
