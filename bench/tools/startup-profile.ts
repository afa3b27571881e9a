// Where a Clawline start-up with stored credentials spends its time: links a gateway on the
// simulator, stops it, then starts it again N times with V8's CPU profiler on and prints the
// heaviest functions (self time) and files of the restarts. Usage:
//   node --import tsx bench/tools/startup-profile.ts [--runs 3] [--out DIR]
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from '../../sim/index.ts';
import { startLinked } from '../lib/link.ts';
import { prepareChildScripts, spawnSide } from '../lib/sides.ts';
import { tempDir, writeClawlineConfig } from '../lib/state.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, out: { type: 'string', default: '/tmp/clawline-startup-prof' } } });
const runs = Number(values.runs);
const out = values.out!;
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const scripts = await prepareChildScripts();
const sim = await startSimulator({ quiet: true });
const stateDir = await tempDir('startup-prof');
await writeClawlineConfig(stateDir, { accounts: ['default'] });
const config = { side: 'clawline' as const, stateDir, accounts: ['default'], simUrl: sim.url, simCa: sim.ca };
try {
  const linked = await startLinked(sim, scripts, config, { default: '4915600000009' });
  await linked.proc.stop();
  process.env.CLAWLINE_BENCH_CPU_PROF = out;
  for (let i = 0; i < runs; i++) {
    const p = spawnSide(scripts, config);
    const m = await p.waitAccount('default', (x) => x.state === 'connected', 30_000, 'connected');
    console.log(`run ${i + 1}: connected ${m.at - p.spawnedAt} ms after spawn`);
    await p.stop();
  }
} finally {
  delete process.env.CLAWLINE_BENCH_CPU_PROF;
  await sim.close();
  await scripts.dispose();
  await rm(stateDir, { recursive: true, force: true });
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
const self = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const name of (await readdir(out)).filter((f) => f.endsWith('.cpuprofile'))) {
  const prof = JSON.parse(await readFile(join(out, name), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  prof.samples.forEach((id, i) => {
    const n = nodes.get(id)!;
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const f = n.callFrame;
    const file = f.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm:') || `(${f.functionName || 'native'})`;
    const fn = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    self.set(fn, (self.get(fn) ?? 0) + dt);
    const pkg = file.startsWith('nm:') ? file.split('/').slice(0, file.startsWith('nm:@') ? 2 : 1).join('/') : file;
    byFile.set(pkg, (byFile.get(pkg) ?? 0) + dt);
  });
}
const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${(v / runs).toFixed(1).padStart(7)} ms  ${k}`).join('\n');
console.log(`\nprofiled ${(total / runs).toFixed(0)} ms per start (all samples, idle included)\n\nby package/file:\n${top(byFile, 20)}\n\nby function (self):\n${top(self, 25)}`);
