// Takes the README's two screenshots from the release build (`make build` first):
//   node tests/e2e/readme-shots.mjs
// style/screenshot.png: the demo run paused mid-way, ChargeCard retrying, selected in the inspector.
// style/screenshot-dark.png: the failing example in the dark theme, `f` pressed.
import { join } from 'node:path';
import { setup, teardown, newPage, repo } from './harness.mjs';

const ctx = await setup();
const seek = (page, ms) => page.locator('.scrubber').evaluate((el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', { bubbles: true })); }, ms);

const light = await newPage(ctx, { viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
await light.goto(ctx.base);
await light.locator('[data-testid=play]').waitFor();
// Selected from its Gantt lane: the graph, at its readable default scale, brings it into view.
await light.locator('[data-testid=timeline] [data-lane-state="ChargeCard"] .lane-label').first().click();
await seek(light, 14750);
await light.waitForFunction(() => document.querySelector('[data-testid=graph] [data-state="ChargeCard"]')?.classList.contains('status-retrying'));
await light.waitForTimeout(300);
await light.screenshot({ path: join(repo, 'style', 'screenshot.png') });

const dark = await newPage(ctx, { viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
await dark.goto(ctx.base);
await dark.locator('[data-testid=play]').waitFor();
await dark.locator('select.examples').selectOption('1');
await dark.locator('[data-testid=run-status]', { hasText: 'FAILED' }).waitFor();
await dark.keyboard.press('f');
await dark.locator('[data-testid=inspector]').waitFor();
await dark.waitForTimeout(300);
await dark.screenshot({ path: join(repo, 'style', 'screenshot-dark.png') });

await teardown(ctx);
console.log('wrote style/screenshot.png and style/screenshot-dark.png');
