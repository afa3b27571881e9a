// Repeatable memory check for one side: link it on its own simulator, echo N messages (ping-pong,
// as the memory step of the echo suite does) and print post-GC memory every `--every` messages;
// optionally write heap snapshots of the child at given message counts, and compare two of them
// by constructor (`--diff a.heapsnapshot b.heapsnapshot` does only the comparison).
//
//   node --import tsx bench/tools/heap-profile.ts --side clawline --messages 10000 --every 1000 \
//     [--contacts 10] [--warmup 500] [--snapshots 2000,8000] [--cpu-profile] [--out /tmp/heap]
//   node --import tsx bench/tools/heap-profile.ts --diff a.heapsnapshot b.heapsnapshot [--top 40]
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from '../../sim/index.ts';
import type { Side } from '../child/protocol.ts';
import { startLinked } from '../lib/link.ts';
import { EchoTracker, closedLoop, type LoadContact } from '../lib/load.ts';
import { prepareChildScripts } from '../lib/sides.ts';
import { tempDir, writeClawlineConfig } from '../lib/state.ts';

const MB = 1024 * 1024;
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    side: { type: 'string', default: 'clawline' },
    messages: { type: 'string', default: '10000' },
    every: { type: 'string', default: '1000' },
    contacts: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '500' },
    snapshots: { type: 'string', default: '' },
    out: { type: 'string', default: '/tmp/clawline-heap' },
    diff: { type: 'boolean', default: false },
    'cpu-profile': { type: 'boolean', default: false },
    top: { type: 'string', default: '40' },
  },
});

if (args.diff) {
  const [a, b] = positionals;
  if (!a || !b) throw new Error('--diff needs two .heapsnapshot files');
  await diffSnapshots(a, b, Number(args.top));
} else {
  await profile();
}

async function profile(): Promise<void> {
  const side = args.side as Side;
  const total = Number(args.messages);
  const every = Number(args.every);
  const snapshotsAt = new Set(args.snapshots ? args.snapshots.split(',').map(Number) : []);
  const out = resolve(args.out);
  if (snapshotsAt.size) await mkdir(out, { recursive: true });
  const scripts = await prepareChildScripts();
  const sim = await startSimulator({ quiet: true });
  const stateDir = await tempDir(`heap-${side}`);
  const config = { side, stateDir, accounts: ['default'], simUrl: sim.url, simCa: sim.ca };
  if (side === 'clawline') await writeClawlineConfig(stateDir, { accounts: ['default'] });
  const linked = await startLinked(sim, scripts, config, { default: '4915100000009' });
  try {
    const contacts: LoadContact[] = Array.from({ length: Number(args.contacts) }, (_, i) => ({ handle: sim.contact(sim.addContact({ name: `Heap ${i + 1}` }).id) }));
    const run = async (n: number) => {
      const tracker = new EchoTracker(sim, contacts);
      try {
        const r = await closedLoop(tracker, n, 20_000);
        if (r.lost || r.stalled) console.log(`  (lost ${r.lost}, stalled ${r.stalled})`);
        return r;
      } finally {
        tracker.close();
      }
    };
    // Warm-up outside the figures: sessions exist, caches of a steady state are filled.
    if (Number(args.warmup) > 0) await run(Number(args.warmup));
    const memory = async () => (await linked.proc.call('$memory')) as NodeJS.MemoryUsage;
    if (args['cpu-profile']) await linked.proc.call('$cpuProfileStart');
    const m0 = await memory();
    const row = (n: number, m: NodeJS.MemoryUsage, ms?: number) =>
      console.log([n, m.rss, m.heapUsed, m.external, m.arrayBuffers].map((x, i) => (i ? (x / MB).toFixed(2) : String(x)).padStart(9)).join(' ') + (ms !== undefined ? `  ${ms} ms` : ''));
    console.log(`${side}: post-GC memory (MB) after a ${args.warmup}-message warm-up, ${args.contacts} contacts`);
    console.log('     msgs       rss  heapUsed  external arrayBufs');
    row(0, m0);
    const points: { x: number; rss: number; heap: number }[] = [];
    for (let done = 0; done < total;) {
      const t0 = Date.now();
      const n = Math.min(every, total - done);
      await run(n);
      done += n;
      const m = await memory();
      row(done, m, Date.now() - t0);
      points.push({ x: done, rss: m.rss / MB, heap: m.heapUsed / MB });
      for (const at of snapshotsAt) {
        if (at > done - n && at <= done) {
          const path = await linked.proc.call('$heapSnapshot', { path: join(out, `${side}-${done}.heapsnapshot`) });
          console.log(`  snapshot ${path}`);
        }
      }
    }
    if (args['cpu-profile']) {
      await mkdir(out, { recursive: true });
      console.log(`  CPU profile ${await linked.proc.call('$cpuProfileStop', { path: join(out, `${side}.cpuprofile`) })}`);
    }
    console.log(`slope per 1,000 messages: rss ${slope(points, 'rss').toFixed(3)} MB, heapUsed ${slope(points, 'heap').toFixed(3)} MB`);
  } finally {
    await linked.proc.stop();
    await sim.close();
    await rm(stateDir, { recursive: true, force: true });
    await scripts.dispose();
  }
}

function slope(points: { x: number; rss: number; heap: number }[], key: 'rss' | 'heap'): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p[key], 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p[key] - my), 0);
  return (sxy / sxx) * 1000;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Self size and count per "type:name" (constructor), and for growing groups a sample retainer path. */
async function summarize(path: string) {
  const snap = JSON.parse(await readFile(path, 'utf8')) as Snapshot;
  const { node_fields: nf, node_types: nt, edge_fields: ef, edge_types: et } = snap.snapshot.meta;
  const NF = nf.length, EF = ef.length;
  const iType = nf.indexOf('type'), iName = nf.indexOf('name'), iSize = nf.indexOf('self_size'), iEdges = nf.indexOf('edge_count');
  const eType = ef.indexOf('type'), eName = ef.indexOf('name_or_index'), eTo = ef.indexOf('to_node');
  const types = nt[0], etypes = et[0];
  const groups = new Map<string, { count: number; size: number }>();
  const nodeCount = snap.nodes.length / NF;
  const groupOf: string[] = new Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) {
    const base = i * NF;
    const type = types[snap.nodes[base + iType]!]!;
    let name = snap.strings[snap.nodes[base + iName]!]!;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '';
    if (name.length > 60) name = name.slice(0, 60) + '…';
    const key = `${type}:${name}`;
    groupOf[i] = key;
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += snap.nodes[base + iSize]!;
    groups.set(key, g);
  }
  // First retainer per node (for a hint of who holds a group).
  const retainer = new Int32Array(nodeCount).fill(-1);
  const retainerEdge: string[] = new Array(nodeCount);
  let e = 0;
  for (let i = 0; i < nodeCount; i++) {
    const edges = snap.nodes[i * NF + iEdges]!;
    for (let k = 0; k < edges; k++, e += EF) {
      const t = etypes[snap.edges[e + eType]!];
      if (t === 'weak' || t === 'shortcut') continue;
      const to = snap.edges[e + eTo]! / NF;
      if (retainer[to] === -1) {
        retainer[to] = i;
        const n = snap.edges[e + eName]!;
        retainerEdge[to] = t === 'element' || t === 'hidden' ? `[${n}]` : String(snap.strings[n]);
      }
    }
  }
  const iId = nf.indexOf('id');
  const ids = new Float64Array(nodeCount);
  const sizes = new Float64Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) { ids[i] = snap.nodes[i * NF + iId]!; sizes[i] = snap.nodes[i * NF + iSize]!; }
  return { groups, groupOf, retainer, retainerEdge, nodeCount, ids, sizes };
}

async function diffSnapshots(a: string, b: string, top: number): Promise<void> {
  const A = await summarize(a);
  const B = await summarize(b);
  const rows = [...B.groups].map(([key, g]) => {
    const old = A.groups.get(key) ?? { count: 0, size: 0 };
    return { key, dCount: g.count - old.count, dSize: g.size - old.size, count: g.count, size: g.size };
  }).sort((x, y) => y.dSize - x.dSize);
  console.log('   Δsize(KB)    Δcount     count  group');
  for (const r of rows.slice(0, top)) console.log(`${(r.dSize / 1024).toFixed(1).padStart(12)} ${String(r.dCount).padStart(9)} ${String(r.count).padStart(9)}  ${r.key}`);
  // Objects new in the later snapshot (V8 ids are stable within a process), by who holds them:
  // the first retainer chain (4 hops), numeric indices folded, so per-message entries add up.
  const before = new Set<number>(A.ids);
  const holders = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < B.nodeCount; i++) {
    if (before.has(B.ids[i]!)) continue;
    const chain: string[] = [B.groupOf[i]!];
    let n = i;
    for (let hop = 0; hop < 4 && B.retainer[n]! >= 0; hop++) {
      const p = B.retainer[n]!;
      chain.push(`${B.retainerEdge[n]!.replace(/^\[\d+\]$|^\d+$/, '[n]').replace(/^[A-Za-z0-9+/=_:.@-]{20,}$/, '<key>')} <- ${B.groupOf[p]}`);
      n = p;
    }
    const key = chain.join(' | ');
    const h = holders.get(key) ?? { count: 0, size: 0 };
    h.count++; h.size += B.sizes[i]!;
    holders.set(key, h);
  }
  console.log('\nnew objects by retainer chain (self size):');
  for (const [key, h] of [...holders].sort((x, y) => y[1].size - x[1].size).slice(0, top)) {
    console.log(`${(h.size / 1024).toFixed(1).padStart(10)} KB ${String(h.count).padStart(8)}  ${key}`);
  }
  // Retainer chains (first retainer, 6 hops) of a few nodes from the top growing groups.
  console.log('\nsample retainer chains (in the later snapshot):');
  for (const r of rows.slice(0, Math.min(12, top))) {
    let picked = -1;
    for (let i = B.nodeCount - 1; i >= 0; i--) if (B.groupOf[i] === r.key) { picked = i; break; }
    if (picked < 0) continue;
    const chain: string[] = [];
    let n = picked;
    for (let hop = 0; hop < 8 && B.retainer[n]! >= 0; hop++) {
      const p = B.retainer[n]!;
      chain.push(`${B.retainerEdge[n]} <- ${B.groupOf[p]}`);
      n = p;
    }
    console.log(`${r.key}\n    ${chain.join('\n    ')}`);
  }
}
