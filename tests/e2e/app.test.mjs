// End-to-end tests of the release build in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown, newPage, shot } from './harness.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await teardown(ctx); });

test('the app loads with the bundled demo definition', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  const editor = page.locator('[data-testid=definition-input]');
  await editor.waitFor();
  const text = await editor.inputValue();
  assert.match(text, /"StartAt": "ValidateOrder"/);
  await page.locator('[data-testid=graph] [data-state="ValidateOrder"]').first().waitFor();
  assert.ok(await page.locator('[data-testid=graph] [data-state="OrderFailed"]').count() >= 1);
  const history = await page.locator('[data-testid=history-input]').inputValue();
  assert.match(history, /ExecutionStarted/);
  await shot(page, 'app-demo');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.offLoopback, [], 'the page made requests outside 127.0.0.1');
  await page.context().close();
});

test('a broken definition shows a diagnostic with its line and column', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  const editor = page.locator('[data-testid=definition-input]');
  await editor.waitFor();
  await editor.fill('{\n  "StartAt": "A",\n  "States": {\n    "A": { "Type": "Pass", "Next": "Nowhere" }\n  }\n}');
  const diag = page.locator('[data-testid=diagnostics] li', { hasText: 'unknown-next-target' });
  await diag.waitFor();
  assert.match(await diag.innerText(), /^4:36 error\[unknown-next-target\]/);
  await shot(page, 'app-diagnostic');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the demo draws as a graph, and clicking a node selects its source', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  const node = page.locator('[data-testid=graph] svg [data-state="CheckStock"]');
  await node.waitFor();
  assert.equal(await page.locator('[data-testid=graph] svg [data-state]').count(), 16);
  assert.match(await node.getAttribute('class'), /\bstate\b.*\btask\b/);
  await node.click();
  const selected = await page.locator('[data-testid=definition-input]').evaluate(
    (ta) => ta.value.slice(ta.selectionStart, ta.selectionEnd));
  assert.match(selected, /^"CheckStock": \{/);
  assert.match(await node.getAttribute('class'), /\bselected\b/);
  await shot(page, 'graph-demo');
  await page.context().close();
});

test('the graph redraws as the user types, and keeps the last good one while broken', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  const editor = page.locator('[data-testid=definition-input]');
  await page.locator('[data-testid=graph] svg [data-state="ValidateOrder"]').waitFor();
  await editor.fill('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}');
  await page.locator('[data-testid=graph] svg [data-state="B"]').waitFor();
  assert.equal(await page.locator('[data-testid=graph] svg [data-state]').count(), 2);
  await editor.fill('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, ');
  await page.locator('[data-testid=diagnostics] li', { hasText: 'syntax' }).waitFor();
  assert.equal(await page.locator('[data-testid=graph] svg [data-state]').count(), 2, 'the last good graph stays up');
  await page.context().close();
});

test('problems show as badges on their nodes; direction toggles; dark theme', async () => {
  const page = await newPage(ctx, { colorScheme: 'dark' });
  await page.goto(ctx.base);
  const editor = page.locator('[data-testid=definition-input]');
  await page.locator('[data-testid=graph] svg [data-state="ValidateOrder"]').waitFor();
  await shot(page, 'graph-dark');
  await editor.fill('{"StartAt": "A", "States": {"A": {"Type": "Wait", "Next": "B"}, "B": {"Type": "Succeed"}}}');
  const badge = page.locator('[data-testid=graph] svg [data-state="A"] .problems.error');
  await badge.waitFor();
  assert.equal(await page.locator('[data-testid=graph] svg [data-state="B"] .problems').count(), 0);
  const size = async () => page.locator('[data-testid=graph] svg').evaluate((s) => [Number(s.getAttribute('width')), Number(s.getAttribute('height'))]);
  const [w1, h1] = await size();
  assert.ok(h1 > w1, `top-to-bottom is tall: ${w1}x${h1}`);
  await page.getByRole('button', { name: /Top to bottom/ }).click();
  await page.waitForFunction(() => { const s = document.querySelector('[data-testid=graph] svg'); return Number(s.getAttribute('width')) > Number(s.getAttribute('height')); });
  await shot(page, 'graph-dark-lr');
  await page.context().close();
});

test('hovering a stub highlights its state; clicking it selects and jumps there', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  const stub = page.locator('[data-testid=graph] svg [data-stub-for="NotifyFailure"]').first();
  await stub.waitFor();
  assert.equal(await stub.getAttribute('data-state'), null);
  await stub.hover();
  const real = page.locator('[data-testid=graph] svg [data-state="NotifyFailure"]');
  assert.match(await real.getAttribute('class'), /stub-target/);
  await stub.click();
  // The highlight lands in the next frame, once the drawing is in the page.
  await page.locator('[data-testid=graph] svg [data-state="NotifyFailure"].selected').waitFor();
  const selected = await page.locator('[data-testid=definition-input]').evaluate((ta) => ta.value.slice(ta.selectionStart, ta.selectionEnd));
  assert.match(selected, /^"NotifyFailure": \{/);
  await page.context().close();
});
