// End-to-end tests of hostile and unlucky input (issue 14): saved work is never lost to a link,
// another tab or a full storage; a page that frames the app without embed=1 learns nothing and
// changes nothing; the embed answers what it can't do; a far-future timestamp, deep YAML and a
// link that expands to hundreds of thousands of events each get a message, and the page goes on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setup, teardown, newPage, watch, shot, repo } from './harness.mjs';
import { startServer } from './serve.mjs';

let ctx;
let host; // another origin on the same site, as the attacker had
let hostBase;
let hostDir;
let dir;
before(async () => {
  ctx = await setup();
  hostDir = mkdtempSync(join(tmpdir(), 'stepscope-hostile-'));
  host = await startServer(hostDir, 0);
  hostBase = `http://127.0.0.1:${host.address().port}/`;
  dir = mkdtempSync(join(tmpdir(), 'stepscope-hostile-files-'));
});
after(async () => {
  await new Promise((ok) => host.close(ok));
  await teardown(ctx);
});

const KEY = 'stepscope.work.v2';
const graph = (page, name) => page.locator(`[data-testid=graph] svg [data-state="${name}"]`);
const saved = (page) => page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? 'null'), KEY);
const machine = (name) => `{"StartAt": "${name}", "States": {"${name}": {"Type": "Succeed"}}}`;
const cli = (args) => execFileSync('cargo', ['run', '--quiet', '--bin', 'stepscope', '--', ...args], { cwd: repo, maxBuffer: 64 << 20 }).toString().trim();
/** A share link to `definition` (and `history`), on this test's server. */
function link(definition, history) {
  const def = join(dir, `d${Math.random().toString(36).slice(2)}.asl.json`);
  writeFileSync(def, definition);
  const args = ['link', def, '--base', ctx.base];
  if (history) {
    const h = join(dir, `h${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(h, history);
    args.push('--history', h, '--no-redact');
  }
  return cli(args);
}
/** A full load of `url` (a new fragment alone would be a same-document navigation). */
async function open(page, url) {
  await page.goto('about:blank');
  await page.goto(url);
}
async function edit(page, text) {
  await page.locator('[data-testid=definition-input]').fill(text);
}
async function savedHas(page, name) {
  await page.waitForFunction(([k, n]) => (localStorage.getItem(k) ?? '').includes(n), [KEY, name]);
}

test('a link opens as a view of its own: saved work is untouched and one click away', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  await edit(page, machine('Mine'));
  await graph(page, 'Mine').waitFor();
  await savedHas(page, 'Mine');
  const before = await saved(page);
  assert.equal(before.v, 2);
  assert.ok(before.history.length > 1000, 'the run is saved with its definition');
  // A link with only d=: it shows, and the saved definition and run stay as they were.
  await open(page, link(machine('Theirs')));
  await graph(page, 'Theirs').waitFor();
  await page.locator('[data-testid=link-view]').waitFor();
  await shot(page, 'hostile-link-view');
  await page.waitForTimeout(300);
  assert.deepEqual(await saved(page), before);
  // Back to my work: the saved view returns, and the address no longer holds the link.
  await page.locator('[data-testid=restore-work]').click();
  await graph(page, 'Mine').waitFor();
  assert.equal(await page.evaluate(() => location.hash), '');
  assert.equal(await page.locator('[data-testid=link-view]').count(), 0);
  // A link with only h=: the saved definition stays.
  const full = link(readFileSync(join(repo, 'src/demo/order-processing.asl.json'), 'utf8'), readFileSync(join(repo, 'src/demo/order-processing.history.json'), 'utf8'));
  const onlyRun = full.replace(/#d=[^&]*&/, '#');
  assert.match(onlyRun, /#h=/);
  await open(page, onlyRun);
  await page.locator('[data-testid=link-view]').waitFor();
  await page.waitForFunction(() => /SUCCEEDED/.test(document.querySelector('[data-testid=run-status]')?.textContent ?? ''));
  await page.waitForTimeout(300);
  assert.deepEqual(await saved(page), before);
  // Editing a link's view makes it the work; so does "Keep this".
  await open(page, link(machine('Edited')));
  await graph(page, 'Edited').waitFor();
  await edit(page, machine('EditedMore'));
  await savedHas(page, 'EditedMore');
  assert.equal(await page.locator('[data-testid=link-view]').count(), 0);
  await open(page, link(machine('Kept')));
  await graph(page, 'Kept').waitFor();
  await page.locator('[data-testid=keep-link]').click();
  await savedHas(page, 'Kept');
  await page.reload();
  await graph(page, 'Kept').waitFor();
  await page.context().close();
});

test('another tab\'s save is announced, never mixed in', async () => {
  const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const a = watch(await context.newPage(), 'tab A');
  const b = watch(await context.newPage(), 'tab B');
  await a.goto(ctx.base);
  await b.goto(ctx.base);
  await graph(a, 'ChargeCard').waitFor();
  await graph(b, 'ChargeCard').waitFor();
  await edit(a, machine('FromA'));
  await savedHas(a, 'FromA');
  // B hears of it, and holds its own until told.
  await b.locator('[data-testid=other-tab]').waitFor();
  await shot(b, 'hostile-other-tab');
  await b.locator('[data-testid=other-tab-reload]').click();
  await graph(b, 'FromA').waitFor();
  assert.equal(await b.locator('[data-testid=other-tab]').count(), 0);
  // B edits; A is told; A keeps its own, and storage holds A's text, whole.
  await edit(b, machine('FromB'));
  await savedHas(b, 'FromB');
  await a.locator('[data-testid=other-tab]').waitFor();
  await edit(a, machine('FromA2'));
  await a.waitForTimeout(400);
  assert.match((await saved(a)).definition, /FromB/, 'a tab that was told saves nothing until the user picks');
  await a.locator('[data-testid=other-tab-keep]').click();
  await savedHas(a, 'FromA2');
  const rec = await saved(a);
  assert.match(rec.definition, /FromA2/);
  assert.equal(await a.evaluate(() => localStorage.getItem('stepscope.definition')), null, 'no separate keys to mix');
  await context.close();
});

test('a run too big for storage, and a full storage, are said, and what was saved is kept', async () => {
  const page = await newPage(ctx);
  // A small quota: records over 150 KB don't fit.
  await page.addInitScript(() => {
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) {
      if (window.__storageFull || String(v).length > 150_000) throw new DOMException('quota', 'QuotaExceededError');
      return set.call(this, k, v);
    };
  });
  await page.goto(ctx.base);
  await graph(page, 'ChargeCard').waitFor();
  const demo = readFileSync(join(repo, 'src/demo/order-processing.history.json'), 'utf8');
  const big = demo.replace(/\n/g, `\n${' '.repeat(4000)}`);
  assert.ok(big.length > 200_000);
  await page.locator('input[type=file]').setInputFiles([{ name: 'big.history.json', mimeType: 'application/json', buffer: Buffer.from(big) }]);
  const note = page.locator('[data-testid=save-note]');
  await note.waitFor();
  assert.match(await note.innerText(), /too big for this browser's storage: the definition is saved alone/);
  await shot(page, 'hostile-save-note');
  const rec = await saved(page);
  assert.equal(rec.runDropped, true);
  assert.match(rec.definition, /ChargeCard/);
  // After a reload: the definition, no stale run, and a note that says why.
  await page.reload();
  await graph(page, 'ChargeCard').waitFor();
  assert.match(await page.locator('[data-testid=save-note]').innerText(), /last run was too big to keep/);
  assert.match(await page.locator('[data-testid=history-form]').innerText(), /empty/);
  // Storage full: the edit is not saved, the note says so, the saved record is kept.
  await edit(page, machine('Saved'));
  await savedHas(page, 'Saved');
  await page.evaluate(() => { window.__storageFull = true; });
  await edit(page, machine('NotSaved'));
  await page.locator('[data-testid=save-note]', { hasText: 'storage is full' }).waitFor();
  assert.match((await saved(page)).definition, /"Saved"/);
  await page.context().close();
});

test('framed without embed=1, the page hears nothing, tells nothing and keeps off saved work', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  await edit(page, machine('Secret'));
  await savedHas(page, 'Secret');
  const before = await saved(page);
  writeFileSync(join(hostDir, 'frame.html'), `<!doctype html><meta charset="utf-8"><title>framer</title><link rel="icon" href="data:,">
<iframe id="f" src="${ctx.base}" style="width:1200px;height:700px"></iframe>
<script>
  window.__events = [];
  window.addEventListener('message', (ev) => window.__events.push(ev.data));
  window.send = (msg) => document.getElementById('f').contentWindow.postMessage(msg, '*');
</script>`);
  await page.goto(hostBase + 'frame.html');
  const frame = page.frameLocator('#f');
  await frame.locator('[data-testid=framed-note]').waitFor();
  await frame.locator('[data-testid=graph] [data-state="ChargeCard"]').waitFor();
  assert.equal(await frame.locator('[data-testid=graph] [data-state="Secret"]').count(), 0, 'saved work is not shown to the framer');
  const open = frame.locator('[data-testid=open-in-stepscope]');
  assert.equal(await open.getAttribute('target'), '_blank');
  assert.ok((await open.getAttribute('href')).startsWith(ctx.base));
  await page.evaluate(() => window.send({ action: 'load', definition: '{"StartAt":"Pwned","States":{"Pwned":{"Type":"Succeed"}}}' }));
  await page.evaluate(() => window.send({ action: 'seek', t: 1000 }));
  await page.waitForTimeout(800);
  assert.equal(await frame.locator('[data-testid=graph] [data-state="Pwned"]').count(), 0);
  assert.deepEqual(await page.evaluate(() => window.__events), [], 'no ready, no timeChanged: nothing is told');
  await shot(page, 'hostile-framed');
  // Back at the app itself (same browser, same storage): the saved work is as it was.
  await page.goto(ctx.base);
  await graph(page, 'Secret').waitFor();
  assert.deepEqual(await saved(page), before);
  await page.context().close();
});

test('an embed answers select of an unknown state with an error, and warns of other windows', async () => {
  const definition = readFileSync(join(repo, 'src/demo/order-processing.asl.json'), 'utf8');
  writeFileSync(join(hostDir, 'embed.html'), `<!doctype html><meta charset="utf-8"><title>host</title><link rel="icon" href="data:,">
<iframe id="f" src="${ctx.base}#embed=1" style="width:1000px;height:600px"></iframe>
<iframe id="sibling" srcdoc="<script>window.poke = () => parent.document.getElementById('f').contentWindow.postMessage({action:'seek',t:1}, '*');</script>"></iframe>
<script>
  window.__events = [];
  window.addEventListener('message', (ev) => { if (ev.origin === ${JSON.stringify(ctx.base.slice(0, -1))}) window.__events.push(ev.data); });
  window.send = (msg) => document.getElementById('f').contentWindow.postMessage(msg, '*');
</script>`);
  const page = await newPage(ctx, { viewport: { width: 1100, height: 700 } });
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.goto(hostBase + 'embed.html');
  await page.waitForFunction(() => window.__events.some((e) => e.event === 'ready'));
  assert.equal((await page.evaluate(() => window.__events))[0].event, 'ready', 'ready comes first');
  await page.evaluate((d) => window.send({ action: 'load', definition: d }), definition);
  const frame = page.frameLocator('#f');
  await frame.locator('[data-testid=graph] [data-state="ChargeCard"]').waitFor();
  await page.evaluate(() => window.send({ action: 'select', state: 'NoSuchState' }));
  await page.waitForFunction(() => window.__events.some((e) => e.event === 'error'));
  const events = await page.evaluate(() => window.__events);
  assert.match(events.find((e) => e.event === 'error').message, /no state of that name/);
  assert.ok(!events.some((e) => e.event === 'selectionChanged' && e.state === 'NoSuchState'), 'unknown names are not echoed');
  assert.ok(!JSON.stringify(events).includes('NoSuchState'));
  // A message from a window that is not the parent: ignored, with a warning.
  const sibling = page.frames().find((f) => f.url() === 'about:srcdoc');
  await sibling.evaluate(() => window.poke());
  await page.waitForTimeout(300);
  assert.ok(warnings.some((w) => /did not come from the page that embeds this one/.test(w)), warnings.join('\n'));
  await page.context().close();
});

test('a far-future timestamp is clamped with a warning, and the axis stays bounded', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  await graph(page, 'ChargeCard').waitFor();
  const demo = JSON.parse(readFileSync(join(repo, 'src/demo/order-processing.history.json'), 'utf8'));
  demo.events[5].timestamp = '9999-12-31T23:59:59.000000+00:00';
  const started = Date.now();
  await page.locator('input[type=file]').setInputFiles([{ name: 'future.history.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(demo, null, 1)) }]);
  const problems = page.locator('[data-testid=history-diagnostics]');
  await problems.waitFor();
  assert.match(await problems.innerText(), /clock-outlier.*more than a year from the rest of the run/);
  await page.waitForFunction(() => /SUCCEEDED · 18\.35 s/.test(document.querySelector('[data-testid=run-status]')?.textContent ?? ''));
  assert.ok(Date.now() - started < 15_000);
  const ticks = await page.locator('[data-testid=timeline] .tick').count();
  assert.ok(ticks > 0 && ticks <= 20, `${ticks} ticks`);
  await shot(page, 'hostile-far-future');
  await page.context().close();
});

test('deep block YAML and an exploding link get messages, and the app keeps drawing', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  await graph(page, 'ChargeCard').waitFor();
  await edit(page, `${'- '.repeat(5000)}x\n`);
  await page.locator('[data-testid=diagnostics]', { hasText: 'nesting deeper than 256 levels' }).waitFor();
  await edit(page, machine('StillDrawing'));
  await graph(page, 'StillDrawing').waitFor();
  await savedHas(page, 'StillDrawing');
  // A link whose run expands to 310,000 events: a message naming the limit; saved work stays.
  const events = Array.from({ length: 310_000 }, () => '[1,"PassStateEntered",1,{"name":"A"}]');
  const compact = join(dir, 'compact.json');
  writeFileSync(compact, `{"s":0,"e":[${events.join(',')}]}`);
  const h = execFileSync('cargo', ['run', '--quiet', '--example', 'payload', '--', compact], { cwd: repo, maxBuffer: 64 << 20 }).toString().trim();
  await open(page, `${ctx.base}#h=${h}`);
  await page.locator('.notice', { hasText: 'could not be opened' }).waitFor();
  assert.match(await page.locator('.notice', { hasText: 'could not be opened' }).innerText(), /310,000 events; Stepscope reads runs of up to 250,000/);
  await graph(page, 'StillDrawing').waitFor();
  assert.match((await saved(page)).definition, /StillDrawing/);
  await page.context().close();
});
