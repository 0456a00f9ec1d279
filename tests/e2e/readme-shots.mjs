// Takes the README's two screenshots from the release build (`make build` first):
//   node tests/e2e/readme-shots.mjs
// style/screenshot.png: the demo run paused mid-way, ChargeCard retrying, selected in the inspector.
// style/screenshot-dark.png: the failing example in the dark theme, `f` pressed.
import { join } from 'node:path';
import { setup, teardown, repo } from './harness.mjs';
import { App } from './app.mjs';

const ctx = await setup();

const light = await App.open(ctx, ctx.base, { viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
await light.playButton.waitFor();
// Selected from its Gantt lane: the graph, at its readable default scale, brings it into view.
await light.timeline.locator('[data-lane-state="ChargeCard"] .lane-label').first().click();
await light.seek(14750);
await light.hasClass('ChargeCard', 'status-retrying');
await light.settle();
await light.page.screenshot({ path: join(repo, 'style', 'screenshot.png') });

const dark = await App.open(ctx, ctx.base, { viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
await dark.playButton.waitFor();
await dark.page.locator('select.examples').selectOption('1');
await dark.runStatus.filter({ hasText: 'FAILED' }).waitFor();
await dark.page.keyboard.press('f');
await dark.inspector.waitFor();
await dark.settle();
await dark.page.screenshot({ path: join(repo, 'style', 'screenshot-dark.png') });

await teardown(ctx);
console.log('wrote style/screenshot.png and style/screenshot-dark.png');
