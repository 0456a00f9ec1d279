// `make bench`: how fast the app shows the demo's graph (navigation start to the first state node
// in the page; median of 5 fresh browser contexts), and how much it transfers (gzip). Never pass/fail.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { setup, teardown, repo } from '../e2e/harness.mjs';

const dist = join(repo, 'dist');
const gzOf = new Map(readdirSync(dist, { recursive: true }).filter((f) => /\.(wasm|js|css|html)$/.test(f))
  .map((f) => [f.replaceAll('\\', '/'), gzipSync(readFileSync(join(dist, f)), { level: 9 }).length]));
/** The dist file a URL names (`/` is index.html). */
const fileOf = (url) => { const p = new URL(url).pathname.slice(1); return p === '' ? 'index.html' : p; };

/** Opens `url` in 5 fresh contexts: navigation start to the first state drawn (the first view's
 * or the app's), to the app's own complete drawing, and what was fetched before the first. */
async function firstGraph(ctx, url) {
  const times = [];
  const ready = [];
  let fetched = [];
  for (let i = 0; i < 5; i++) {
    const context = await ctx.browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, obs) => {
        if (window.__graphAt === undefined && document.querySelector('svg [data-state]')) window.__graphAt = performance.now();
        if (document.querySelector('[data-testid=graph] svg[data-complete]')) {
          window.__appAt = performance.now();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(url);
    await page.waitForFunction(() => window.__appAt !== undefined);
    const r = await page.evaluate(() => ({
      at: window.__graphAt, app: window.__appAt,
      // Every file whose response had begun before the first graph: what the first view cost.
      before: performance.getEntriesByType('resource').filter((e) => e.responseStart <= window.__graphAt).map((e) => e.name),
    }));
    times.push(r.at);
    ready.push(r.app);
    fetched = [url, ...r.before];
    await context.close();
  }
  times.sort((a, b) => a - b);
  ready.sort((a, b) => a - b);
  const files = [...new Set(fetched.map(fileOf))];
  const bytes = files.reduce((s, f) => s + (gzOf.get(f) ?? 0), 0);
  return { median: times[2], times, app: ready[2], files, bytes };
}

const ctx = await setup();
const app = await firstGraph(ctx, ctx.base);
const demoDefinition = readFileSync(join(repo, 'src/demo/order-processing.asl.json'), 'utf8');
const { execFileSync } = await import('node:child_process');
// An embed of the demo, through the CLI's own link writer (the link the Embed dialog gives).
const embedUrl = execFileSync('cargo', ['run', '--quiet', '--release', '--bin', 'stepscope', '--', 'link', join(repo, 'src/demo/order-processing.asl.json'), '--base', ctx.base], { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n')[0].trim() + '&embed=1';
const embed = await firstGraph(ctx, embedUrl);
await teardown(ctx);
const times = app.times;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const list = (r) => r.files.map((f) => `${f.replace(/-[0-9a-f]{12,16}/, '').replace(/^snippets\/.*\//, 'snippets/')} ${kb(gzOf.get(f) ?? 0)}`).join(', ');
console.log(`load: navigation start to the demo graph: median ${app.median.toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms); the app's own drawing ${app.app.toFixed(0)} ms`);
console.log(`load: first view fetches (gzip -9) ${kb(app.bytes)} (target 250 KB: ${(app.bytes / (250 * 1024)).toFixed(2)} of it): ${list(app)}`);
console.log(`load: embed=1 of the demo: first graph median ${embed.median.toFixed(0)} ms, ${kb(embed.bytes)} fetched before it (${(embed.bytes / (250 * 1024)).toFixed(2)} of 250 KB)`);
const part = (re) => [...gzOf].filter(([f]) => re.test(f)).reduce((s, [, n]) => s + n, 0);
console.log(`load: after the first graph, the app ${kb(part(/^stepscope-web-[0-9a-f]{16}(_bg\.wasm|\.js)$/))}; on first use, the simulator ${kb(part(/^stepscope-sim-[0-9a-f]{16}(_bg\.wasm|\.js)$/))}`);

// A 1 MB definition (the end-to-end test's: 1,200 Tasks with Retry, Catch and long comments)
// pasted into the app once its worker is up: paste to the whole drawing painted (parse, validate,
// lay out and draw in the worker, then into the page), median of 3, beside the target (800 ms)
// and beside the native CLI drawing the same file in this run.
{
  const { App, bigChain } = await import('../e2e/app.mjs');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const n = 1200;
  const def = bigChain(n);
  const bctx = await setup();
  const runs = [];
  const shown = [];
  for (let i = 0; i < 5; i++) {
    const app = await App.open(bctx);
    const { page } = app;
    await app.setHistory('');
    await app.settle();
    await page.waitForTimeout(1500);
    await app.toClipboard(def);
    await page.evaluate(() => {
      window.__done = undefined;
      window.__shown = undefined;
      // Painted: the frame after the part went in.
      const painted = (key) => requestAnimationFrame(() => setTimeout(() => { window[key] = performance.now(); }, 0));
      new MutationObserver((_, obs) => {
        if (window.__shown === undefined && !window.__shownSeen && document.querySelector('[data-testid=graph] svg[data-shown] [data-state=Step0]')) {
          window.__shownSeen = true;
          painted('__shown');
        }
        if (document.querySelector('[data-testid=graph] svg[data-complete] [data-state=Step1199]')) {
          obs.disconnect();
          painted('__done');
        }
      }).observe(document, { subtree: true, childList: true, attributes: true });
    });
    const t0 = await page.evaluate(() => performance.now());
    await app.paste('definition');
    await page.waitForFunction(() => window.__done !== undefined, null, { timeout: 60_000 });
    runs.push(await page.evaluate(() => window.__done) - t0);
    shown.push(await page.evaluate(() => window.__shown) - t0);
    await app.close();
  }
  await teardown(bctx);
  runs.sort((a, b) => a - b);
  shown.sort((a, b) => a - b);
  const dir = mkdtempSync(join(tmpdir(), 'stepscope-big-'));
  writeFileSync(join(dir, 'big.asl.json'), def);
  const native = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    execFileSync(join(repo, 'target/release/stepscope'), ['render', join(dir, 'big.asl.json')], { maxBuffer: 64 << 20 });
    native.push(performance.now() - t);
  }
  native.sort((a, b) => a - b);
  const mid = (v) => v[Math.floor(v.length / 2)];
  console.log(`load: a ${(def.length / 1e6).toFixed(2)} MB definition (${n + 1} states) pasted, to its opening view (the start state and what is around it) painted: median ${mid(shown).toFixed(0)} ms (runs: ${shown.map((t) => t.toFixed(0)).join(', ')} ms); target 800 ms: ${(mid(shown) / 800).toFixed(2)} of it`);
  console.log(`load: the same, to the whole drawing in the page and painted: median ${mid(runs).toFixed(0)} ms (runs: ${runs.map((t) => t.toFixed(0)).join(', ')} ms); the native CLI's render of it ${native[1].toFixed(0)} ms (opening view/native ${(mid(shown) / native[1]).toFixed(1)}x)`);
}

// Issue 19's anchor: the same-size diagram drawn by Mermaid 11 on the same harness (a page on
// loopback with only mermaid.min.js; navigation start to its first node in the page, median of 5
// fresh contexts), as a ratio from this one run.
import { copyFileSync } from 'node:fs';
import { startHost } from '../e2e/harness.mjs';

const demo = JSON.parse(demoDefinition);
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
console.log(`load: Mermaid 11 drawing the same-size diagram (${chart.nodes} nodes) on the same harness: median ${mtimes[2].toFixed(0)} ms (runs: ${mtimes.map((t) => t.toFixed(0)).join(', ')} ms), ${(mermaidGz / 1024).toFixed(0)} KB gzip; Stepscope/Mermaid ${(app.median / mtimes[2]).toFixed(2)}`);
