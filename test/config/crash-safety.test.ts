// A save interrupted at any instant leaves a file that parses and is either the old or the new
// version; a save that fails leaves the old file and no temp files.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { evaluateConfigText } from '../../main/config/index.ts';
import { tempDir } from './helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TEMPLATE = `// written by a loop that gets killed
{
  channels: {
    whatsapp: {
      dmPolicy: "pairing", // keep
      textChunkLimit: 1000,
    },
  },
  /* ours */
  clawline: { agent: { builtin: { autoReply: "" } } },
}
`;
const normalize = (text: string): string =>
  text.replace(/textChunkLimit: \d+/, 'textChunkLimit: N').replace(/autoReply: "x*"/, 'autoReply: "X"');

let work: { dir: string; cleanup: () => Promise<void> };
let child: string;

before(async () => {
  work = await tempDir();
  child = join(work.dir, 'edit-child.mjs');
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['test/config/fixtures/edit-child.ts'],
    outfile: child,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
});

after(async () => {
  await work.cleanup();
});

function runChild(args: string[], shellPrefix?: string): { proc: ReturnType<typeof spawn>; stdout: () => string; exited: Promise<number | null> } {
  const proc = shellPrefix
    ? spawn('sh', ['-c', `${shellPrefix} && exec "$0" "$@"`, process.execPath, child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, stdout: () => out, exited };
}

test('SIGKILL at random moments during saves: the file always parses and is a whole version', async () => {
  const file = join(work.dir, 'openclaw.json');
  await writeFile(file, TEMPLATE);
  const seen = new Set<string>();
  for (let round = 0; round < 30; round++) {
    const { proc, stdout, exited } = runChild(['loop', file]);
    while (!stdout().includes('ready')) {
      if (proc.exitCode !== null) assert.fail(`writer exited early: ${stdout()}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
    proc.kill('SIGKILL');
    await exited;
    const text = await readFile(file, 'utf8');
    const cfg = evaluateConfigText(text, file);
    assert.deepEqual(cfg.findings, [], `round ${round}: the file is valid`);
    assert.equal(normalize(text), normalize(TEMPLATE), `round ${round}: comments and layout intact`);
    seen.add(text);
  }
  assert.ok(seen.size > 1, 'the writer was interrupted at different versions');
  const leftovers = (await readdir(work.dir)).filter((n) => n.startsWith('.openclaw.json.'));
  // A killed writer may leave its temp file (never the config itself); they are ignored by every reader.
  for (const name of leftovers) assert.match(name, /^\.openclaw\.json\.[0-9a-f]{12}\.tmp$/);
});

test('a write that fails (file size limit: no space) leaves the old file byte-identical and reports why', async () => {
  const file = join(work.dir, 'failing.json');
  await writeFile(file, TEMPLATE);
  const beforeBytes = await readFile(file);
  const { stdout, exited } = runChild(['fail', file], 'ulimit -f 0');
  assert.equal(await exited, 0, stdout());
  const result = JSON.parse(stdout().trim().split('\n').pop()!);
  assert.equal(result.ok, false);
  assert.match(result.findings[0].message, /could not save .*failing\.json: EFBIG/);
  assert.match(result.findings[0].hint, /previous file is unchanged/);
  assert.deepEqual(await readFile(file), beforeBytes);
  assert.deepEqual((await readdir(work.dir)).filter((n) => n.startsWith('.failing.json.')), [], 'the temp file was removed');
});
