// End-to-end tests of share links, embedding and export: a link opens the same view in a fresh
// browser; a host page drives an embedded frame through postMessage; embed.js turns <pre> blocks
// into live views; hostile links and messages can't run script; an exported SVG reopens its view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, teardown, shot, repo, startHost, cli } from './harness.mjs';
import { App, settle } from './app.mjs';

let ctx;
let host; // a second origin, for host pages
before(async () => {
  ctx = await setup();
  host = await startHost('stepscope-host-');
});
after(async () => {
  await host.close();
  await teardown(ctx);
});

const classes = (frame) => frame.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid=graph] [data-state]')].map((n) => [n.dataset.state, [...n.classList].filter((c) => c.startsWith('status-')).join(' ')])));
/** Makes window.alert (and friends) leave a mark instead of a dialog. */
const trap = (page) => page.addInitScript(() => { window.__alerts = 0; window.alert = window.confirm = window.prompt = () => { window.__alerts += 1; }; });

test('a link opens the same moment, selection and theme in a fresh browser', async () => {
  const maker = await App.open(ctx, ctx.base, { viewport: { width: 1280, height: 800 } });
  const { page } = maker;
  await maker.playButton.waitFor();
  await maker.fitGraph();
  await page.locator('[data-testid=graph] [data-state="ChargeCard"]').click();
  await maker.seek(14750);
  await maker.hasClass('ChargeCard', 'status-retrying');
  await page.locator('[data-testid=theme-toggle]').click(); // system → dark
  const { dialog, link, length } = await maker.shareLink();
  console.log(`e2e: share link of the demo at +14.75 s with the redacted run: ${link.length} characters (${length})`);
  assert.ok(link.startsWith(ctx.base + '#'), link.slice(0, 60));
  assert.match(link, /[#&]t=14750(&|$)/);
  assert.match(link, /[#&]sel=ChargeCard(&|$)/);
  assert.match(link, /[#&]theme=dark(&|$)/);
  assert.ok(link.length <= 3000, `${link.length}`);
  await maker.shot('share-dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  // The Embed dialog gives an <iframe> of the same view, read-only.
  const snippet = await maker.embedSnippet();
  assert.match(snippet, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/#d=[12][^"]*&amp;embed=1" width="100%" height="520"/);
  await maker.shot('embed-dialog');
  await page.keyboard.press('Escape');
  const want = await classes(page);
  const clock = await maker.clockText();
  // A new browser context: no storage, nothing but the link.
  const opened = await App.open(ctx, link, { viewport: { width: 1280, height: 800 } });
  const fresh = opened.page;
  await opened.hasClass('ChargeCard', 'status-retrying');
  assert.equal(await opened.clockText(), clock);
  assert.deepEqual(await classes(fresh), want);
  assert.match(await opened.inspector.locator('h2').innerText(), /ChargeCard/);
  assert.match(await fresh.locator('html').getAttribute('class'), /theme-dark/);
  // A link opens as a view of its own, over the (here empty) saved work; keeping it folds the
  // note away, so both panes are the same size.
  await fresh.locator('[data-testid=link-view]').waitFor();
  await fresh.locator('[data-testid=keep-link]').click();
  await fresh.locator('[data-testid=link-view]').waitFor({ state: 'detached' });
  // The same picture of the graph, once the view has settled. Links carry the data, the moment,
  // the selection, the mode and the theme, not the pan and zoom: both pages show the whole graph.
  for (const app of [maker, opened]) {
    await app.fitGraph();
    await app.page.mouse.move(5, 5);
    await app.page.locator('[data-testid=graph-text]').evaluate(() => document.activeElement?.blur());
  }
  await maker.settle();
  await opened.settle();
  // (The editors and the inspector differ by design: the run's inputs and outputs were redacted.)
  const a = await page.locator('.graph-host').screenshot({ path: join(repo, 'target', 'e2e', 'link-maker.png') });
  const b = await fresh.locator('.graph-host').screenshot({ path: join(repo, 'target', 'e2e', 'link-opened.png') });
  // The same drawing, overlay and framing: the graph's drawn markup and its transform are equal.
  // (The screenshots are kept to look at; antialiasing may differ a little between two contexts.)
  const state = (p) => p.evaluate(() => {
    const g = document.querySelector('[data-testid=graph]');
    // What the painter keeps but does not draw is left out: emptied badges, pooled tokens hidden
    // until a transition needs them.
    const shown = [...g.querySelectorAll('[class]')].filter((e) => !(e.matches('.run-badge, .run-progress') && !e.textContent) && e.getAttribute('display') !== 'none');
    return { transform: g.style.transform, classes: shown.map((e) => `${e.getAttribute('class')}:${e.matches('text') ? e.textContent : ''}`).join('|') };
  });
  const [sa, sb] = [await state(page), await state(fresh)];
  assert.equal(sb.transform, sa.transform, 'the opened link frames the graph as the page that made it');
  assert.equal(sb.classes, sa.classes, 'the opened link draws the same graph as the page that made it');
  void a; void b;
  assert.deepEqual(fresh.errors, []);
  assert.deepEqual(fresh.offLoopback, []);
  await maker.close();
  await opened.close();
});

test('hostile or damaged links give a message and run nothing', async () => {
  const app = await App.create(ctx);
  const { page } = app;
  await trap(page);
  const evil = encodeURIComponent('<img src=x onerror=alert(1)><script>alert(2)</script>');
  const asked = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  // goto() waits until the page has settled with the link applied: markup let in would have run,
  // and its image been asked for.
  await app.goto(`#sel=${evil}&t=5000`);
  await app.playButton.waitFor();
  assert.equal(await page.evaluate(() => window.__alerts), 0);
  assert.ok(!asked.includes('/x'), asked.join(', '));
  // A damaged payload: the message says so, and the user's work is shown.
  await page.goto(`${ctx.base}#d=1AAAA-broken&t=5`);
  await app.reload();
  await app.notice('could not be opened').waitFor();
  await page.goto(`${ctx.base}#d=9zzz`);
  await app.reload();
  await app.notice('newer than this Stepscope').waitFor();
  assert.equal(await page.evaluate(() => window.__alerts), 0);
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('a host page drives an embedded view through postMessage', async () => {
  const definition = readFileSync(join(repo, 'src/demo/order-processing.asl.json'), 'utf8');
  const history = readFileSync(join(repo, 'src/demo/order-processing.history.json'), 'utf8');
  const framer = host.write('frame.html', `<!doctype html><meta charset="utf-8"><title>host</title><link rel="icon" href="data:,">
<iframe id="f" src="${ctx.base}#embed=1" style="width:1000px;height:600px"></iframe>
<script>
  window.__events = [];
  window.addEventListener('message', (ev) => { if (ev.origin === ${JSON.stringify(ctx.base.slice(0, -1))}) window.__events.push(ev.data); });
  window.send = (msg) => document.getElementById('f').contentWindow.postMessage(msg, '*');
</script>`);
  const app = await App.create(ctx, { viewport: { width: 1100, height: 700 } });
  const { page } = app;
  await trap(page);
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.goto(framer);
  await page.waitForFunction(() => window.__events.some((e) => e.event === 'ready'));
  await page.evaluate(([d, h]) => window.send({ action: 'load', definition: d, history: h }), [definition, history]);
  const frame = page.frameLocator('#f');
  await frame.locator('[data-testid=graph] [data-state="ChargeCard"]').waitFor();
  await page.evaluate(() => window.send({ action: 'seek', t: 5000 }));
  await page.evaluate(() => window.send(JSON.stringify({ action: 'select', state: 'WaitForRestock' })));
  await page.evaluate(() => window.send({ action: 'setTheme', theme: 'dark' }));
  const inner = page.frames().find((f) => f.url().startsWith(ctx.base));
  await inner.waitForFunction(() => document.querySelector('[data-testid=graph] [data-state="WaitForRestock"]')?.classList.contains('status-running'));
  await inner.waitForFunction(() => document.documentElement.classList.contains('theme-dark'));
  await page.waitForFunction(() => window.__events.some((e) => e.event === 'selectionChanged' && e.state === 'WaitForRestock'));
  await page.waitForFunction(() => window.__events.some((e) => e.event === 'timeChanged' && e.t === 5000));
  // Embedded: no editors, no header actions; play, scrub and fit remain.
  assert.equal(await frame.locator('[data-testid=definition-input]').isVisible(), false);
  assert.equal(await frame.locator('[data-testid=play]').isVisible(), true);
  assert.equal(await frame.locator('.scrubber').isVisible(), true);
  // Malformed messages are ignored with a warning; hostile text stays text.
  const ignored = page.waitForEvent('console', { predicate: (m) => m.type() === 'warning' && /stepscope: ignored a message/.test(m.text()), timeout: 10_000 });
  await page.evaluate(() => window.send('{not json'));
  await page.evaluate(() => window.send({ action: 'seek', t: 'soon' }));
  await page.evaluate(() => window.send({ action: 'select', state: '<img src=x onerror=alert(1)>' }));
  // Messages are handled in order: the unknown name's error reply comes after the other two.
  await page.waitForFunction(() => window.__events.some((e) => e.event === 'error'));
  await settle(inner);
  await ignored.catch(() => {}); // the assertion below says what was heard instead
  assert.ok(warnings.some((w) => /stepscope: ignored a message/.test(w)), warnings.join('\n'));
  assert.equal(await inner.evaluate(() => window.__alerts ?? 0), 0);
  assert.equal(await page.evaluate(() => window.__alerts), 0);
  await shot(page, 'embed-postmessage');
  await app.close();
});

test('embed.js turns two <pre> blocks on a plain page into live views', async () => {
  const definition = readFileSync(join(repo, 'src/demo/order-processing.asl.json'), 'utf8');
  host.write('run.json', readFileSync(join(repo, 'src/demo/order-processing.history.json')));
  const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const yaml = `StartAt: Hello\nComment: "</pre><script>alert('pwned')</script>"\nStates:\n  Hello:\n    Type: Pass\n    Next: World\n  World:\n    Type: Succeed\n`;
  const docs = host.write('docs.html', `<!doctype html><meta charset="utf-8"><title>docs</title><link rel="icon" href="data:,">
<h1>Our workflows</h1>
<pre class="stepscope" data-history="run.json" data-height="520">${escape(definition)}</pre>
<p>And a small one, in YAML:</p>
<pre class="stepscope" data-theme="dark" data-view="graph">${escape(yaml)}</pre>
<script src="${ctx.base}embed.js"></script>`);
  const app = await App.create(ctx, { viewport: { width: 1100, height: 1300 } });
  const { page } = app;
  await trap(page);
  await page.goto(docs);
  await page.locator('iframe.stepscope-frame').nth(1).waitFor();
  assert.equal(await page.locator('pre.stepscope').count(), 0);
  const frames = page.locator('iframe.stepscope-frame');
  assert.equal(await frames.count(), 2);
  const first = page.frameLocator('iframe.stepscope-frame >> nth=0');
  const second = page.frameLocator('iframe.stepscope-frame >> nth=1');
  await first.locator('[data-testid=graph] [data-state="ChargeCard"].status-succeeded').waitFor();
  await first.locator('[data-testid=run-status]', { hasText: 'SUCCEEDED' }).waitFor();
  await second.locator('[data-testid=graph] [data-state="World"]').waitFor();
  assert.equal(await second.locator('[data-testid=timeline]').count(), 0, 'no run in the second');
  // Both views settled (their default view set, the run painted) before the picture.
  for (const f of page.frames().filter((f) => f.url().startsWith(ctx.base))) await settle(f);
  await shot(page, 'embed-js');
  for (const f of page.frames()) assert.equal(await f.evaluate(() => window.__alerts ?? 0), 0);
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('an exported SVG and a replay file reopen the view they came from', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.playButton.waitFor();
  await app.seek(5000);
  await app.hasClass('WaitForRestock', 'status-running');
  const [svgDownload] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=export-svg]').click()]);
  const svgPath = join(host.dir, 'export.svg');
  await svgDownload.saveAs(svgPath);
  const svg = readFileSync(svgPath, 'utf8');
  assert.match(svg, /<metadata id="stepscope-source">/);
  assert.match(svg, /data-state="WaitForRestock"/);
  assert.match(svg, /class="state wait status-running"/);
  assert.match(svg, /<style>/);
  const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=export-png]').click()]);
  const pngPath = join(host.dir, 'export.png');
  await pngDownload.saveAs(pngPath);
  assert.deepEqual([...readFileSync(pngPath).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  await page.locator('[data-testid=share]').click();
  const [fileDownload] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=download-replay]').click()]);
  const replayPath = join(host.dir, 'run.stepscope.json');
  await fileDownload.saveAs(replayPath);
  await page.keyboard.press('Escape');
  // Elsewhere, with other work loaded: drop the SVG back in.
  const elsewhere = await App.open(ctx);
  const other = elsewhere.page;
  await elsewhere.selectExample(3);
  await elsewhere.runStatus.waitFor();
  await elsewhere.openFiles(svgPath);
  await elsewhere.hasClass('WaitForRestock', 'status-running');
  assert.match(await elsewhere.clockText(), /^\+5\.00 s/);
  // And the replay file.
  await other.locator('select.examples').selectOption('3');
  await elsewhere.state('WaitForRestock').waitFor({ state: 'detached' });
  await elsewhere.openFiles(replayPath);
  await elsewhere.state('WaitForRestock').waitFor();
  assert.match(await other.locator('[data-testid=history-form]').innerText(), /91 events/);
  assert.deepEqual(other.errors, []);
  await app.close();
  await elsewhere.close();
});

test('a link made from real recorded runs opens each to the same moment the CLI draws', async (t) => {
  // Runs recorded against AWS (../shared/corpus), never seen by the app before: the CLI makes the
  // link and draws the SVG at the same moment; the browser must show the same status on every state.
  const { existsSync, readdirSync } = await import('node:fs');
  const dir = join(repo, '..', 'shared', 'corpus', 'histories', 'localstack');
  if (!existsSync(dir)) {
    t.skip('../shared/corpus is absent');
    return;
  }
  const picks = readdirSync(dir)
    .filter((f) => f.endsWith('.history.json') && /map|parallel|retry|catch/i.test(f))
    .sort()
    .filter((_, i) => i % 7 === 0)
    .slice(0, 4);
  assert.ok(picks.length >= 2, picks.join(', '));
  for (const name of picks) {
    const history = join(dir, name);
    const definition = history.replace('.history.json', '.asl.json');
    const timeline = JSON.parse(cli(['timeline', history, '--definition', definition]));
    const at = Math.floor(timeline.duration_ms / 2);
    const url = cli(['link', definition, '--history', history, '--at', String(at), '--base', ctx.base]).trim();
    const svg = cli(['render', definition, '--history', history, '--at', String(at)]);
    const want = {};
    for (const m of svg.matchAll(/<g class="state [^"]*?(status-[a-z]+)" data-state="([^"]*)"/g)) want[m[2].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')] = m[1];
    // open() waits until the page has settled: the run read, the link's moment painted.
    const app = await App.open(ctx, url);
    const { page } = app;
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=graph] [data-state][class*=status-]').length >= n, Object.keys(want).length);
    const got = await classes(page);
    assert.deepEqual(got, want, name);
    // Recorded with placeholder timestamps (LocalStack's): the clock counts events instead.
    const clock = await app.clockText();
    const untimed = /order only: this history has no timestamps/.test(clock);
    assert.match(clock, untimed ? new RegExp(`^event ${at} of \\d+`) : new RegExp(`^\\+${(at / 1000).toFixed(2).replace('.', '\\.')} s`), name);
    console.log(`e2e: ${name}: link ${url.length} characters (${url.length <= 2000 ? 'chat-safe' : 'long'}), ${Object.keys(want).length} states agree with the CLI at +${at} ms`);
    assert.deepEqual(page.errors, []);
    await app.close();
  }
});
