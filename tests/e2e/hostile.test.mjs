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
import { setup, teardown, watch, repo, startHost, cli, shot } from './harness.mjs';
import { App, settle } from './app.mjs';

let ctx;
let host; // another origin on the same site, as the attacker had
let dir;
before(async () => {
  ctx = await setup();
  host = await startHost('stepscope-hostile-');
  dir = mkdtempSync(join(tmpdir(), 'stepscope-hostile-files-'));
});
after(async () => {
  await host.close();
  await teardown(ctx);
});

const machine = (name) => `{"StartAt": "${name}", "States": {"${name}": {"Type": "Succeed"}}}`;
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
  return cli(args).trim();
}

test('a link opens as a view of its own: saved work is untouched and one click away', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.setDefinition(machine('Mine'), 'Mine');
  await app.savedHas('Mine');
  const before = await app.saved();
  assert.equal(before.v, 2);
  assert.ok(before.history.length > 1000, 'the run is saved with its definition');
  // A link with only d=: it shows, and the saved definition and run stay as they were.
  await app.open(link(machine('Theirs')));
  await app.state('Theirs').waitFor();
  await page.locator('[data-testid=link-view]').waitFor();
  await app.shot('hostile-link-view');
  // The page has settled (open waits for that): a save would have been written by now.
  assert.deepEqual(await app.saved(), before);
  // Back to my work: the saved view returns, and the address no longer holds the link.
  await page.locator('[data-testid=restore-work]').click();
  await app.state('Mine').waitFor();
  assert.equal(await page.evaluate(() => location.hash), '');
  assert.equal(await page.locator('[data-testid=link-view]').count(), 0);
  // A link with only h=: the saved definition stays.
  const full = link(readFileSync(join(repo, 'src/demo/order-processing.asl.json'), 'utf8'), readFileSync(join(repo, 'src/demo/order-processing.history.json'), 'utf8'));
  const onlyRun = full.replace(/#d=[^&]*&/, '#');
  assert.match(onlyRun, /#h=/);
  await app.open(onlyRun);
  await page.locator('[data-testid=link-view]').waitFor();
  await page.waitForFunction(() => /SUCCEEDED/.test(document.querySelector('[data-testid=run-status]')?.textContent ?? ''));
  await app.settle();
  assert.deepEqual(await app.saved(), before);
  // Editing a link's view makes it the work; so does "Keep this".
  await app.open(link(machine('Edited')));
  await app.state('Edited').waitFor();
  await app.setDefinition(machine('EditedMore'));
  await app.savedHas('EditedMore');
  assert.equal(await page.locator('[data-testid=link-view]').count(), 0);
  await app.open(link(machine('Kept')));
  await app.state('Kept').waitFor();
  await page.locator('[data-testid=keep-link]').click();
  await app.savedHas('Kept');
  await app.reload();
  await app.state('Kept').waitFor();
  await app.close();
});

test('another tab\'s save is announced, never mixed in', async () => {
  const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const a = new App(watch(await context.newPage(), 'tab A'), ctx.base);
  const b = new App(watch(await context.newPage(), 'tab B'), ctx.base);
  await a.goto();
  await b.goto();
  await a.state('ChargeCard').waitFor();
  await b.state('ChargeCard').waitFor();
  await a.setDefinition(machine('FromA'));
  await a.savedHas('FromA');
  // B hears of it, and holds its own until told.
  await b.page.locator('[data-testid=other-tab]').waitFor();
  await b.shot('hostile-other-tab');
  await b.page.locator('[data-testid=other-tab-reload]').click();
  await b.state('FromA').waitFor();
  assert.equal(await b.page.locator('[data-testid=other-tab]').count(), 0);
  // B edits; A is told; A keeps its own, and storage holds A's text, whole.
  await b.setDefinition(machine('FromB'));
  await b.savedHas('FromB');
  await a.page.locator('[data-testid=other-tab]').waitFor();
  // A draws its edit (the editor's pause is over) and settles: a save would be written by now.
  await a.setDefinition(machine('FromA2'), 'FromA2');
  assert.match((await a.saved()).definition, /FromB/, 'a tab that was told saves nothing until the user picks');
  await a.page.locator('[data-testid=other-tab-keep]').click();
  await a.savedHas('FromA2');
  const rec = await a.saved();
  assert.match(rec.definition, /FromA2/);
  assert.equal(await a.page.evaluate(() => localStorage.getItem('stepscope.definition')), null, 'no separate keys to mix');
  await context.close();
});

test('a run too big for storage, and a full storage, are said, and what was saved is kept', async () => {
  const app = await App.create(ctx);
  const { page } = app;
  // A small quota: records over 150 KB don't fit.
  await page.addInitScript(() => {
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) {
      if (window.__storageFull || String(v).length > 150_000) throw new DOMException('quota', 'QuotaExceededError');
      return set.call(this, k, v);
    };
  });
  await app.goto();
  await app.state('ChargeCard').waitFor();
  const demo = readFileSync(join(repo, 'src/demo/order-processing.history.json'), 'utf8');
  const big = demo.replace(/\n/g, `\n${' '.repeat(4000)}`);
  assert.ok(big.length > 200_000);
  await app.openFiles([{ name: 'big.history.json', mimeType: 'application/json', buffer: Buffer.from(big) }]);
  const note = page.locator('[data-testid=save-note]');
  await note.waitFor();
  assert.match(await note.innerText(), /too big for this browser's storage: the definition is saved alone/);
  await app.shot('hostile-save-note');
  const rec = await app.saved();
  assert.equal(rec.runDropped, true);
  assert.match(rec.definition, /ChargeCard/);
  // After a reload: the definition, no stale run, and a note that says why.
  await app.reload();
  await app.state('ChargeCard').waitFor();
  assert.match(await page.locator('[data-testid=save-note]').innerText(), /last run was too big to keep/);
  assert.match(await page.locator('[data-testid=history-form]').innerText(), /empty/);
  // Storage full: the edit is not saved, the note says so, the saved record is kept.
  await app.setDefinition(machine('Saved'));
  await app.savedHas('Saved');
  await page.evaluate(() => { window.__storageFull = true; });
  await app.setDefinition(machine('NotSaved'));
  await page.locator('[data-testid=save-note]', { hasText: 'storage is full' }).waitFor();
  assert.match((await app.saved()).definition, /"Saved"/);
  await app.close();
});

test('framed without embed=1, the page hears nothing, tells nothing and keeps off saved work', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.setDefinition(machine('Secret'));
  await app.savedHas('Secret');
  const before = await app.saved();
  // `probe` messages are the test's own, to know when the frame has had (and answered) the rest.
  const framer = host.write('frame.html', `<!doctype html><meta charset="utf-8"><title>framer</title><link rel="icon" href="data:,">
<iframe id="f" src="${ctx.base}" style="width:1200px;height:700px"></iframe>
<script>
  window.__events = [];
  window.addEventListener('message', (ev) => { if (ev.data?.probe) { window.__probe = ev.data.probe; return; } window.__events.push(ev.data); });
  window.send = (msg) => document.getElementById('f').contentWindow.postMessage(msg, '*');
</script>`);
  await page.goto(framer);
  const frame = page.frameLocator('#f');
  await frame.locator('[data-testid=framed-note]').waitFor();
  await frame.locator('[data-testid=graph] [data-state="ChargeCard"]').waitFor();
  assert.equal(await frame.locator('[data-testid=graph] [data-state="Secret"]').count(), 0, 'saved work is not shown to the framer');
  const open = frame.locator('[data-testid=open-in-stepscope]');
  assert.equal(await open.getAttribute('target'), '_blank');
  assert.ok((await open.getAttribute('href')).startsWith(ctx.base));
  const inner = page.frames().find((f) => f.url().startsWith(ctx.base));
  await inner.evaluate(() => { window.__heard = 0; window.addEventListener('message', () => { window.__heard += 1; }); });
  await page.evaluate(() => window.send({ action: 'load', definition: '{"StartAt":"Pwned","States":{"Pwned":{"Type":"Succeed"}}}' }));
  await page.evaluate(() => window.send({ action: 'seek', t: 1000 }));
  // Messages arrive in order: once the frame has had both, it settles, and then anything it
  // posted back before a last probe has reached the framer.
  await inner.waitForFunction(() => window.__heard === 2);
  await settle(inner);
  await inner.evaluate(() => parent.postMessage({ probe: 'done' }, '*'));
  await page.waitForFunction(() => window.__probe === 'done');
  assert.equal(await frame.locator('[data-testid=graph] [data-state="Pwned"]').count(), 0);
  assert.doesNotMatch(await frame.locator('[data-testid=definition-input]').inputValue(), /Pwned/);
  assert.deepEqual(await page.evaluate(() => window.__events), [], 'no ready, no timeChanged: nothing is told');
  await shot(page, 'hostile-framed');
  // Back at the app itself (same browser, same storage): the saved work is as it was.
  await app.goto();
  await app.state('Secret').waitFor();
  assert.deepEqual(await app.saved(), before);
  await app.close();
});

test('an embed answers select of an unknown state with an error, and warns of other windows', async () => {
  const definition = readFileSync(join(repo, 'src/demo/order-processing.asl.json'), 'utf8');
  const embed = host.write('embed.html', `<!doctype html><meta charset="utf-8"><title>host</title><link rel="icon" href="data:,">
<iframe id="f" src="${ctx.base}#embed=1" style="width:1000px;height:600px"></iframe>
<iframe id="sibling" srcdoc="<script>window.poke = () => parent.document.getElementById('f').contentWindow.postMessage({action:'seek',t:1}, '*');</script>"></iframe>
<script>
  window.__events = [];
  window.addEventListener('message', (ev) => { if (ev.origin === ${JSON.stringify(ctx.base.slice(0, -1))}) window.__events.push(ev.data); });
  window.send = (msg) => document.getElementById('f').contentWindow.postMessage(msg, '*');
</script>`);
  const app = await App.create(ctx, { viewport: { width: 1100, height: 700 } });
  const { page } = app;
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.goto(embed);
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
  const warned = page.waitForEvent('console', { predicate: (m) => m.type() === 'warning' && /did not come from the page that embeds this one/.test(m.text()), timeout: 10_000 });
  const sibling = page.frames().find((f) => f.url() === 'about:srcdoc');
  await sibling.evaluate(() => window.poke());
  await warned.catch(() => {}); // the assertion below says what was heard instead
  assert.ok(warnings.some((w) => /did not come from the page that embeds this one/.test(w)), warnings.join('\n'));
  await app.close();
});

test('a far-future timestamp is clamped with a warning, and the axis stays bounded', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.state('ChargeCard').waitFor();
  const demo = JSON.parse(readFileSync(join(repo, 'src/demo/order-processing.history.json'), 'utf8'));
  demo.events[5].timestamp = '9999-12-31T23:59:59.000000+00:00';
  const started = Date.now();
  await app.openFiles([{ name: 'future.history.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(demo, null, 1)) }]);
  const problems = page.locator('[data-testid=history-diagnostics]');
  await problems.waitFor();
  assert.match(await problems.innerText(), /clock-outlier.*more than a year from the rest of the run/);
  await page.waitForFunction(() => /SUCCEEDED · 18\.35 s/.test(document.querySelector('[data-testid=run-status]')?.textContent ?? ''));
  assert.ok(Date.now() - started < 15_000);
  const ticks = await app.timeline.locator('.tick').count();
  assert.ok(ticks > 0 && ticks <= 20, `${ticks} ticks`);
  await app.shot('hostile-far-future');
  await app.close();
});

test('deep block YAML and an exploding link get messages, and the app keeps drawing', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.state('ChargeCard').waitFor();
  await app.setDefinition(`${'- '.repeat(5000)}x\n`);
  await page.locator('[data-testid=diagnostics]', { hasText: 'nesting deeper than 256 levels' }).waitFor();
  await app.setDefinition(machine('StillDrawing'), 'StillDrawing');
  await app.savedHas('StillDrawing');
  // A link whose run expands to 310,000 events: a message naming the limit; saved work stays.
  const events = Array.from({ length: 310_000 }, () => '[1,"PassStateEntered",1,{"name":"A"}]');
  const compact = join(dir, 'compact.json');
  writeFileSync(compact, `{"s":0,"e":[${events.join(',')}]}`);
  const h = execFileSync('cargo', ['run', '--quiet', '--example', 'payload', '--', compact], { cwd: repo, maxBuffer: 64 << 20 }).toString().trim();
  await app.open(`${ctx.base}#h=${h}`);
  await app.notice('could not be opened').waitFor();
  assert.match(await app.notice('could not be opened').innerText(), /310,000 events; Stepscope reads runs of up to 250,000/);
  await app.state('StillDrawing').waitFor();
  assert.match((await app.saved()).definition, /StillDrawing/);
  await app.close();
});
