// `make bench`: how fast the app shows the demo's graph (navigation start to the first state node
// in the page; median of 5 fresh browser contexts), and how much it transfers (gzip). Never pass/fail.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { setup, teardown, repo } from '../e2e/harness.mjs';

const ctx = await setup();
const times = [];
for (let i = 0; i < 5; i++) {
  const context = await ctx.browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector('[data-testid=graph] svg [data-state]')) {
        window.__graphAt = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(ctx.base);
  await page.waitForFunction(() => window.__graphAt !== undefined);
  times.push(await page.evaluate(() => window.__graphAt));
  await context.close();
}
await teardown(ctx);
times.sort((a, b) => a - b);
const dist = join(repo, 'dist');
const files = readdirSync(dist).filter((f) => /\.(wasm|js|css)$/.test(f));
const gz = files.map((f) => [f, gzipSync(readFileSync(join(dist, f)), { level: 9 }).length]);
const total = gz.reduce((s, [, n]) => s + n, 0);
console.log(`load: navigation start to the demo graph: median ${times[2].toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`);
console.log(`load: transfer (gzip -9): ${(total / 1024).toFixed(1)} KB in all (${gz.map(([f, n]) => `${f.replace(/-[0-9a-f]{12,16}/, '')} ${(n / 1024).toFixed(1)} KB`).join(', ')})`);

// Issue 19's anchor: the same-size diagram drawn by Mermaid 11 on the same harness (a page on
// loopback with only mermaid.min.js; navigation start to its first node in the page, median of 5
// fresh contexts), as a ratio from this one run.
import { copyFileSync } from 'node:fs';
import { startHost } from '../e2e/harness.mjs';

const demo = JSON.parse(readFileSync(join(repo, 'src/demo/order-processing.asl.json'), 'utf8'));
/** A Mermaid flowchart of the demo: a node per state (nested ones too), an edge per transition. */
function flowchart(def) {
  const lines = ['flowchart TD'];
  const ids = new Map();
  const id = (name) => { if (!ids.has(name)) ids.set(name, `s${ids.size}`); return ids.get(name); };
  const walk = (machine) => {
    for (const [name, s] of Object.entries(machine.States ?? {})) {
      lines.push(`  ${id(name)}["${name.replace(/"/g, "'")}<br/><small>${s.Type}</small>"]`);
      const to = [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...(s.Catch ?? []).map((c) => c.Next)].filter(Boolean);
      for (const t of to) lines.push(`  ${id(name)} --> ${id(t)}`);
      for (const b of s.Branches ?? []) walk(b);
      if (s.ItemProcessor ?? s.Iterator) walk(s.ItemProcessor ?? s.Iterator);
    }
  };
  walk(def);
  return { text: lines.join('\n'), nodes: ids.size };
}
const chart = flowchart(demo);
const host = await startHost('stepscope-mermaid-');
const dir = host.dir;
copyFileSync(join(repo, 'tests/bench/node_modules/mermaid/dist/mermaid.min.js'), join(dir, 'mermaid.min.js'));
host.write('index.html', `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="mermaid.min.js"></script></head>
<body><pre class="mermaid">${chart.text.replace(/</g, '&lt;').replace(/>/g, '&gt;')}</pre>
<script>mermaid.initialize({ startOnLoad: false }); mermaid.run();</script></body></html>`);
const mctx = await setup();
const browser = mctx.browser;
const mbase = host.base;
const mtimes = [];
for (let i = 0; i < 5; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector('pre.mermaid svg .node')) {
        window.__graphAt = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(mbase);
  await page.waitForFunction(() => window.__graphAt !== undefined, null, { timeout: 60_000 });
  mtimes.push(await page.evaluate(() => window.__graphAt));
  await context.close();
}
await teardown(mctx);
await host.close();
mtimes.sort((a, b) => a - b);
const mermaidGz = gzipSync(readFileSync(join(dir, 'mermaid.min.js')), { level: 9 }).length;
console.log(`load: Mermaid 11 drawing the same-size diagram (${chart.nodes} nodes) on the same harness: median ${mtimes[2].toFixed(0)} ms (runs: ${mtimes.map((t) => t.toFixed(0)).join(', ')} ms), ${(mermaidGz / 1024).toFixed(0)} KB gzip; Stepscope/Mermaid ${(times[2] / mtimes[2]).toFixed(2)}`);
