import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
const [,, svg, png, theme] = process.argv;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update'] });
const p = await b.newPage({ viewport: { width: 1000, height: 1400 }, colorScheme: theme || 'light' });
await p.setContent(`<body style="margin:0;background:${theme==='dark'?'#161b22':'#fff'}">${readFileSync(svg,'utf8')}</body>`);
await p.screenshot({ path: png, timeout: 10000 }); await b.close();
