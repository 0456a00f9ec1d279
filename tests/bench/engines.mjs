// `make bench`: the flat graphs our engine laid out (target/bench/layout/*.json, written by
// tests/bench/layout.rs) laid out again by dagre, elkjs (layered) and Graphviz dot (@viz-js/viz),
// with the same box sizes, in one run. Prints time ratios, edge crossings and drawing area.
// Never pass/fail.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const dagre = require('dagre');
const ELK = require('elkjs');
const Viz = await import('@viz-js/viz');
const elk = new ELK();
const viz = await Viz.instance();

const load = (f) => JSON.parse(readFileSync(new URL(`../../target/bench/layout/${f}`, import.meta.url)));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function segments(polylines) {
  const out = [];
  polylines.forEach((pl, e) => { for (let i = 0; i + 1 < pl.length; i++) out.push([e, pl[i], pl[i + 1]]); });
  return out;
}
// Proper crossings between segments of different edges (touching at ends does not count).
function crossings(polylines) {
  const segs = segments(polylines);
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  let n = 0;
  for (let i = 0; i < segs.length; i++) {
    const [ei, p1, p2] = segs[i];
    for (let j = i + 1; j < segs.length; j++) {
      const [ej, q1, q2] = segs[j];
      if (ei === ej) continue;
      if (Math.max(p1[0], p2[0]) < Math.min(q1[0], q2[0]) || Math.max(q1[0], q2[0]) < Math.min(p1[0], p2[0])) continue;
      if (Math.max(p1[1], p2[1]) < Math.min(q1[1], q2[1]) || Math.max(q1[1], q2[1]) < Math.min(p1[1], p2[1])) continue;
      const d1 = cross(q1, q2, p1), d2 = cross(q1, q2, p2), d3 = cross(p1, p2, q1), d4 = cross(p1, p2, q2);
      if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) n++;
    }
  }
  return n;
}

function runDagre(g) {
  const d = new dagre.graphlib.Graph();
  d.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 58 });
  d.setDefaultEdgeLabel(() => ({}));
  g.sizes.forEach(([w, h], i) => d.setNode(String(i), { width: w, height: h }));
  g.edges.forEach(([a, b]) => d.setEdge(String(a), String(b)));
  dagre.layout(d);
  const polylines = d.edges().map((e) => d.edge(e).points.map((p) => [p.x, p.y]));
  return { polylines, area: d.graph().width * d.graph().height };
}

async function runElk(g) {
  const r = await elk.layout({
    id: 'root', layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'DOWN' },
    children: g.sizes.map(([w, h], i) => ({ id: `n${i}`, width: w, height: h })),
    edges: g.edges.map(([a, b], i) => ({ id: `e${i}`, sources: [`n${a}`], targets: [`n${b}`] })),
  });
  const polylines = (r.edges ?? []).map((e) => {
    const s = e.sections?.[0];
    return s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => [p.x, p.y]) : [];
  });
  return { polylines, area: r.width * r.height };
}

function runViz(g) {
  const dot = ['digraph G { node [shape=box fixedsize=true label=""]; nodesep=0.39; ranksep=0.8;'];
  g.sizes.forEach(([w, h], i) => dot.push(`n${i} [width=${(w / 72).toFixed(3)} height=${(h / 72).toFixed(3)}];`));
  g.edges.forEach(([a, b]) => dot.push(`n${a} -> n${b};`));
  dot.push('}');
  const j = viz.renderJSON(dot.join('\n'));
  const [x0, y0, x1, y1] = j.bb.split(',').map(Number);
  const polylines = (j.edges ?? []).map((e) => (e._draw_ ?? []).filter((op) => op.op === 'b').flatMap((op) => op.points));
  return { polylines, area: (x1 - x0) * (y1 - y0) };
}

async function measure(g, runs) {
  const res = { ours: { ms: g.ours.ms, crossings: crossings(g.ours.polylines), area: g.ours.width * g.ours.height } };
  for (const [name, fn] of [['dagre', runDagre], ['elkjs', runElk], ['dot', runViz]]) {
    const times = [];
    let last;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      last = await fn(g);
      times.push(performance.now() - t);
    }
    res[name] = { ms: median(times), crossings: crossings(last.polylines), area: last.area };
  }
  return res;
}

const pad = (s, n) => String(s).padStart(n);
console.log('engines: generated flat definitions (same boxes and edges for every engine; time = median, ms)');
console.log(`engines: ${pad('states', 7)} ${pad('boxes', 6)} | ${pad('ours ms', 9)} ${pad('dagre ms', 10)} ${pad('elkjs ms', 10)} ${pad('dot ms', 10)} | ${pad('x dagre', 8)} ${pad('x elk', 7)} ${pad('x dot', 7)} | crossings ours/dagre/elk/dot | area ours/dagre`);
for (const g of load('generated.json')) {
  const runs = g.states >= 1000 ? 1 : g.states >= 200 ? 3 : 7;
  const r = await measure(g, runs);
  const x = (k) => (r[k].ms / r.ours.ms).toFixed(1) + 'x';
  console.log(`engines: ${pad(g.states, 7)} ${pad(g.sizes.length, 6)} | ${pad(r.ours.ms.toFixed(2), 9)} ${pad(r.dagre.ms.toFixed(2), 10)} ${pad(r.elkjs.ms.toFixed(2), 10)} ${pad(r.dot.ms.toFixed(2), 10)} | ${pad(x('dagre'), 8)} ${pad(x('elkjs'), 7)} ${pad(x('dot'), 7)} | ${r.ours.crossings}/${r.dagre.crossings}/${r.elkjs.crossings}/${r.dot.crossings} | ${(r.ours.area / r.dagre.area).toFixed(2)}x`);
}
const corpus = load('corpus.json');
const rows = [];
for (const g of corpus) rows.push(await measure(g, 1));
const med = (k, f) => median(rows.map((r) => f(r[k])));
console.log(`engines: corpus, ${rows.length} flat definitions, medians: crossings ours ${med('ours', (r) => r.crossings)}, dagre ${med('dagre', (r) => r.crossings)}, elkjs ${med('elkjs', (r) => r.crossings)}, dot ${med('dot', (r) => r.crossings)}; area ratio ours/dagre ${median(rows.map((r) => r.ours.area / r.dagre.area)).toFixed(2)}x; time ours ${med('ours', (r) => r.ms).toFixed(3)} ms, dagre ${med('dagre', (r) => r.ms).toFixed(3)} ms, elkjs ${med('elkjs', (r) => r.ms).toFixed(3)} ms, dot ${med('dot', (r) => r.ms).toFixed(3)} ms`);
