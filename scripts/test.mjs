// `npm test`: build, type-check, then every test/**/*.test.ts under node's test runner.
// A list of files is passed explicitly because Node 20's --test does not expand globs.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const filter = process.argv.slice(2);
if (!process.env.CLAWLINE_TEST_SKIP_BUILD) {
  run(process.execPath, ['scripts/build.mjs']);
  run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
}

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
};
walk(join(root, 'test'));
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
selected.sort();
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...selected]);
