// The "look" suite: what a person sees at 1280×800, 1440×900 and 1920×1080, measured. For the demo,
// every example and six corpus definitions of 8–30 states pasted over the demo run: state names at
// the default view are at least 11 px on screen, every edge label's text sits inside its box and
// every text inside the drawing, the Gantt has at least 400 px of bars with the inspector open and
// Fit shows the whole run without scrolling sideways, and the header's controls keep their labels
// on one line. Screenshots go to target/e2e/look-*.png.
// Page and console errors fail every test through the harness's hook.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, teardown, repo } from './harness.mjs';
import { App } from './app.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await teardown(ctx); });

const VIEWPORTS = [[1280, 800], [1440, 900], [1920, 1080]];
const corpusDir = join(repo, '..', 'shared', 'corpus', 'definitions', 'valid', 'sfn-workflows-collection');
export const CORPUS = [
  'explicit-failure-with-parallel-states__statemachine__statemachine.asl.json',
  'resource-configuration-backup-sam__statemachine__statemachine.asl.json',
  'checkout-processing-workflow__statemachine__checkout_workflow.asl.json',
  'app-control-concurrency-with-dynamodb-tf__statemachines__dynamodb-semaphore.asl.json',
  'ec2-instance-isolation-cdk__python__statemachine__statemachine.asl.json',
  'bedrock-evaluations-sam__statemachine__statemachine.asl.json',
];
const EXAMPLES = 4;

/** On-screen size of the state names in view (px), smallest and median, and how many were seen. */
export async function nameSizes(page) {
  return page.evaluate(() => {
    const host = document.querySelector('.graph-host').getBoundingClientRect();
    const sizes = [];
    for (const t of document.querySelectorAll('[data-testid=graph] .state .name')) {
      const r = t.getBoundingClientRect();
      const inView = r.right > host.left && r.left < host.right && r.bottom > host.top && r.top < host.bottom;
      if (!inView || r.width === 0) continue;
      const svg = t.ownerSVGElement;
      const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
      sizes.push(parseFloat(getComputedStyle(t).fontSize) * scale);
    }
    sizes.sort((a, b) => a - b);
    return { min: sizes[0] ?? 0, median: sizes[Math.floor(sizes.length / 2)] ?? 0, seen: sizes.length };
  });
}

/** Every text inside the drawing's viewBox, and every edge label's text inside its box. */
async function labelsContained(page) {
  return page.evaluate(() => {
    const svg = document.querySelector('[data-testid=graph] svg');
    const vb = svg.viewBox.baseVal;
    const bad = [];
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      if (b.width === 0) continue;
      if (b.x < vb.x - 1 || b.y < vb.y - 1 || b.x + b.width > vb.x + vb.width + 1 || b.y + b.height > vb.y + vb.height + 1) {
        bad.push(`text "${t.textContent}" outside the viewBox`);
      }
    }
    for (const g of svg.querySelectorAll('g.label')) {
      const r = g.querySelector('rect').getBBox();
      const t = g.querySelector('text').getBBox();
      if (t.x < r.x - 1 || t.x + t.width > r.x + r.width + 1 || t.y < r.y - 2 || t.y + t.height > r.y + r.height + 2) {
        bad.push(`label "${g.querySelector('text').textContent}" runs out of its box`);
      }
    }
    return bad;
  });
}

/** The header's controls whose label takes more than one line, or that reach out of the page. */
async function brokenControls(page) {
  return page.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll('.topbar .actions > *')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0) continue;
      const range = document.createRange();
      range.selectNodeContents(el);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      const name = el.textContent.trim().slice(0, 24);
      if (lines.size > 1) bad.push(`"${name}" takes ${lines.size} lines`);
      if (box.left < 0 || box.right > innerWidth) bad.push(`"${name}" reaches out of the page`);
    }
    return bad;
  });
}

const report = [];
after(() => { for (const line of report) console.log(line); });

for (const [w, h] of VIEWPORTS) {
  test(`look at ${w}×${h}: the demo and every example are legible, labels in place`, async () => {
    const app = await App.open(ctx, ctx.base, { viewport: { width: w, height: h } });
    const { page } = app;
    // The default view is set a frame after the drawing lands, and again once the run's panels
    // have made the pane smaller: drawn() waits for the page to settle after both.
    await app.drawn('ValidateOrder');
    await page.locator('[data-testid=replay-bar]').waitFor();
    const demo = await nameSizes(page);
    report.push(`look ${w}×${h}: demo names ${demo.min.toFixed(1)} px (median ${demo.median.toFixed(1)}, ${demo.seen} in view)`);
    assert.ok(demo.seen > 0 && demo.min >= 11, `demo names ${demo.min.toFixed(1)} px at ${w}×${h}`);
    assert.deepEqual(await labelsContained(page), []);
    // The header: every control's label on one line, every control inside the page.
    assert.deepEqual(await brokenControls(page), [], `the header's controls at ${w}×${h}`);
    report.push(`look ${w}×${h}: header ${await page.evaluate(() => Math.round(document.querySelector('.topbar').getBoundingClientRect().height))} px tall`);
    await app.shot(`look-demo-${w}x${h}`);
    // The Gantt with the inspector open: at least 400 px of bars; Fit shows the whole run.
    await page.locator('[data-testid=graph] [data-state="ValidateOrder"]').first().click();
    await app.inspector.waitFor();
    await page.locator('[data-testid=gantt-fit]').click();
    // The chart is drawn again for its narrower pane once the pane's new width is observed.
    await app.settle();
    const bars = await page.evaluate(() => {
      const el = document.querySelector('[data-testid=gantt-bars]');
      const clip = el.querySelector('#gantt-clip rect');
      return { bars: parseFloat(clip.getAttribute('width')) - 16, scroll: el.scrollWidth - el.clientWidth };
    });
    report.push(`look ${w}×${h}: Gantt bars with the inspector open ${bars.bars.toFixed(0)} px, sideways scroll after Fit ${bars.scroll} px`);
    assert.ok(bars.bars >= 400, `Gantt bars ${bars.bars} px at ${w}×${h}`);
    assert.ok(bars.scroll <= 1, `Fit leaves ${bars.scroll} px to scroll sideways`);
    await app.shot(`look-demo-inspector-${w}x${h}`);
    await page.keyboard.press('Escape');
    // Every example: drawn, its run read (a big one in the worker) and the view set.
    for (let i = 0; i < EXAMPLES; i++) {
      await app.selectExample(i);
      const s = await nameSizes(page);
      report.push(`look ${w}×${h}: example ${i} names ${s.min.toFixed(1)} px (${s.seen} in view)`);
      assert.ok(s.seen > 0 && s.min >= 11, `example ${i}: names ${s.min.toFixed(1)} px`);
      assert.deepEqual(await labelsContained(page), [], `example ${i}`);
      await app.shot(`look-example-${i}-${w}x${h}`);
    }
    await app.close();
  });

  test(`look at ${w}×${h}: six corpus definitions pasted over the demo run`, async () => {
    const app = await App.open(ctx, ctx.base, { viewport: { width: w, height: h } });
    const { page } = app;
    await app.drawn('ValidateOrder');
    await page.locator('[data-testid=replay-bar]').waitFor();
    await app.openEditors();
    for (const file of CORPUS) {
      const text = readFileSync(join(corpusDir, file), 'utf8');
      const start = JSON.parse(text).StartAt;
      await app.setDefinition(text, start);
      // The demo's run does not belong to this definition: the page says so.
      await page.locator('[data-testid=run-mismatch]').waitFor();
      const s = await nameSizes(page);
      report.push(`look ${w}×${h}: ${file.split('__')[0]} names ${s.min.toFixed(1)} px (median ${s.median.toFixed(1)}, ${s.seen} in view)`);
      assert.ok(s.seen > 0 && s.min >= 11, `${file}: names ${s.min.toFixed(1)} px`);
      assert.deepEqual(await labelsContained(page), [], file);
      await app.shot(`look-${file.split('__')[0]}-${w}x${h}`);
    }
    await app.close();
  });
}

test('switching examples and files while playing raises no page error', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.drawn('ValidateOrder');
  await app.playButton.waitFor();
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < EXAMPLES; i++) {
      // Picked while the one before plays; each plays until its cursor has moved on.
      await page.locator('select.examples').selectOption(String(i));
      await app.playButton.waitFor();
      await app.play();
    }
  }
  // A definition and its history opened together, while the last example plays.
  const dir = join(repo, '..', 'shared', 'corpus', 'histories', 'localstack');
  const stem = 'test_activities__test_activity_task_failure';
  const start = JSON.parse(readFileSync(join(dir, `${stem}.asl.json`), 'utf8')).StartAt;
  await app.openFiles([join(dir, `${stem}.asl.json`), join(dir, `${stem}.history.json`)]);
  await page.locator('[data-testid=history-form]', { hasText: 'without timestamps' }).waitFor({ state: 'attached' });
  await app.state(start).waitFor();
  // Its six events play in a tick; then the page has settled with the pair's run shown.
  await app.play();
  await app.stopped();
  await app.settle();
  assert.equal(await page.locator('[data-testid=run-mismatch]').count(), 0, 'a matching pair is not a mismatch');
  await app.close();
});

test('a pasted definition is never shown with another machine\'s run as one', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.drawn('ValidateOrder');
  await page.locator('[data-testid=graph] [data-state="ValidateOrder"]').first().click();
  await app.inspector.waitFor();
  await app.openEditors();
  const text = readFileSync(join(corpusDir, CORPUS[2]), 'utf8');
  await app.setDefinition(text);
  const note = page.locator('[data-testid=run-mismatch]');
  await note.waitFor();
  assert.match(await note.innerText(), /ValidateOrder/);
  // The selection went with its state: no inspector shows a demo state.
  assert.equal(await app.inspector.count(), 0);
  await page.locator('[data-testid=run-mismatch-clear]').click();
  await app.runStatus.waitFor({ state: 'detached' });
  assert.equal(await note.count(), 0);
  await app.close();
});

test('an embed\'s default frame (520 px high) shows legible names', async () => {
  const app = await App.open(ctx, ctx.base, { viewport: { width: 1280, height: 800 } });
  await app.drawn('ValidateOrder');
  const snippet = await app.embedSnippet();
  const src = snippet.match(/src="([^"]+)"/)[1].replace(/&amp;/g, '&');
  const height = Number(snippet.match(/height="(\d+)"/)[1]);
  await app.close();
  // The frame as a docs page shows it: its default height, a typical docs column wide.
  const frame = await App.open(ctx, src, { viewport: { width: 760, height } });
  await frame.drawn('ValidateOrder');
  const s = await nameSizes(frame.page);
  report.push(`look embed 760×${height}: names ${s.min.toFixed(1)} px (${s.seen} in view)`);
  assert.ok(s.seen > 0 && s.min >= 11, `embed names ${s.min.toFixed(1)} px`);
  await frame.shot(`look-embed-760x${height}`);
  await frame.close();
});
