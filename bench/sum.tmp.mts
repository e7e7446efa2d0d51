import { readFileSync, readdirSync } from 'node:fs';
const dir = process.argv[2]!;
for (const f of readdirSync(dir)) {
  const p = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  const self = new Map<number, number>(); const byId = new Map<number, any>();
  for (const n of p.nodes) byId.set(n.id, n);
  const dt = p.timeDeltas; let total = 0;
  p.samples.forEach((id: number, i: number) => { self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)); total += dt[i] ?? 0; });
  const agg = new Map<string, number>();
  for (const [id, t] of self) { const cf = byId.get(id).callFrame; const k = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`; agg.set(k, (agg.get(k) ?? 0) + t); }
  console.log('==', f, (total / 1e6).toFixed(2), 's');
  for (const [k, t] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((100 * t / total).toFixed(1).padStart(5), k);
}
