// End-to-end tests of the release build in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown } from './harness.mjs';
import { App } from './app.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await teardown(ctx); });

test('the app loads with the bundled demo definition', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  const text = await app.editor.inputValue();
  assert.match(text, /"StartAt": "ValidateOrder"/);
  await page.locator('[data-testid=graph] [data-state="ValidateOrder"]').first().waitFor();
  assert.ok(await page.locator('[data-testid=graph] [data-state="OrderFailed"]').count() >= 1);
  const history = await app.historyEditor.inputValue();
  assert.match(history, /ExecutionStarted/);
  await app.shot('app-demo');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.offLoopback, [], 'the page made requests outside 127.0.0.1');
  await app.close();
});

test('a broken definition shows a diagnostic with its line and column', async () => {
  const app = await App.open(ctx);
  await app.setDefinition('{\n  "StartAt": "A",\n  "States": {\n    "A": { "Type": "Pass", "Next": "Nowhere" }\n  }\n}');
  const diag = app.page.locator('[data-testid=diagnostics] li', { hasText: 'unknown-next-target' });
  await diag.waitFor();
  assert.match(await diag.innerText(), /^4:36 error\[unknown-next-target\]/);
  await app.shot('app-diagnostic');
  assert.deepEqual(app.page.errors, []);
  await app.close();
});

test('the demo draws as a graph, and clicking a node selects its source', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  const node = app.state('CheckStock');
  await node.waitFor();
  assert.equal(await page.locator('[data-testid=graph] svg [data-state]').count(), 16);
  assert.match(await node.getAttribute('class'), /\bstate\b.*\btask\b/);
  await node.click();
  const selected = await app.editor.evaluate((ta) => ta.value.slice(ta.selectionStart, ta.selectionEnd));
  assert.match(selected, /^"CheckStock": \{/);
  assert.match(await node.getAttribute('class'), /\bselected\b/);
  await app.shot('graph-demo');
  await app.close();
});

test('the graph redraws as the user types, and keeps the last good one while broken', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.state('ValidateOrder').waitFor();
  await app.setDefinition('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}', 'B');
  assert.equal(await page.locator('[data-testid=graph] svg [data-state]').count(), 2);
  await app.setDefinition('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, ');
  await page.locator('[data-testid=diagnostics] li', { hasText: 'syntax' }).waitFor();
  assert.equal(await page.locator('[data-testid=graph] svg [data-state]').count(), 2, 'the last good graph stays up');
  await app.close();
});

test('problems show as badges on their nodes; direction toggles; dark theme', async () => {
  const app = await App.open(ctx, ctx.base, { colorScheme: 'dark' });
  const { page } = app;
  await app.state('ValidateOrder').waitFor();
  await app.shot('graph-dark');
  await app.setDefinition('{"StartAt": "A", "States": {"A": {"Type": "Wait", "Next": "B"}, "B": {"Type": "Succeed"}}}');
  const badge = app.state('A').locator('.problems.error');
  await badge.waitFor();
  assert.equal(await app.state('B').locator('.problems').count(), 0);
  const size = async () => page.locator('[data-testid=graph] svg').evaluate((s) => [Number(s.getAttribute('width')), Number(s.getAttribute('height'))]);
  const [w1, h1] = await size();
  assert.ok(h1 > w1, `top-to-bottom is tall: ${w1}x${h1}`);
  await page.getByRole('button', { name: /Top to bottom/ }).click();
  await page.waitForFunction(() => { const s = document.querySelector('[data-testid=graph] svg'); return Number(s.getAttribute('width')) > Number(s.getAttribute('height')); });
  await app.shot('graph-dark-lr');
  await app.close();
});

test('hovering a stub highlights its state; clicking it selects and jumps there', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  const stub = page.locator('[data-testid=graph] svg [data-stub-for="NotifyFailure"]').first();
  await stub.waitFor();
  assert.equal(await stub.getAttribute('data-state'), null);
  await stub.hover();
  const real = app.state('NotifyFailure');
  assert.match(await real.getAttribute('class'), /stub-target/);
  await stub.click();
  // The highlight lands in the next frame, once the drawing is in the page.
  await page.locator('[data-testid=graph] svg [data-state="NotifyFailure"].selected').waitFor();
  const selected = await app.editor.evaluate((ta) => ta.value.slice(ta.selectionStart, ta.selectionEnd));
  assert.match(selected, /^"NotifyFailure": \{/);
  await app.close();
});
