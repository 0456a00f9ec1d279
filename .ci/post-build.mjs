// Trunk post_build hook (see Trunk.toml). Runs in Trunk's staging directory before it becomes dist/.
// 1. Release builds: optimise the wasm with binaryen 132 from npm (Debian's wasm-opt 108 corrupts
//    wasm-bindgen 0.2.13x output, and Trunk cannot download its own here). WASM_NAMES=1 keeps the
//    function names, for a profiler.
// 2. Move Trunk's inline boot script into its own file, so the page's Content-Security-Policy can
//    stay `script-src 'self'` with no inline script allowed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('TRUNK_STAGING_DIR is not set: run me from a Trunk hook');
const wasmOpt = join(process.env.TRUNK_SOURCE_DIR ?? '.', 'tests/e2e/node_modules/.bin/wasm-opt');

if (process.env.TRUNK_PROFILE === 'release') {
  if (!existsSync(wasmOpt)) throw new Error(`${wasmOpt} is missing: run make node-tools`);
  for (const f of readdirSync(staging).filter((f) => f.endsWith('.wasm'))) {
    const path = join(staging, f);
    execFileSync(wasmOpt, ['-Oz', ...(process.env.WASM_NAMES ? ['-g'] : []), '--enable-reference-types', '--enable-bulk-memory',
      '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-multivalue', path, '-o', path],
      { stdio: 'inherit' });
  }
}

const html = join(staging, 'index.html');
let page = readFileSync(html, 'utf8');
page = page.replace(/<script type="module">([\s\S]*?)<\/script>/g, (_, body) => {
  const name = `boot-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.js`;
  writeFileSync(join(staging, name), body.trim() + '\n');
  return `<script type="module" src="/${name}"></script>`;
});
writeFileSync(html, page);
