// Trunk post_build hook (see Trunk.toml). Runs in Trunk's staging directory before it becomes dist/.
// 1. Release builds: optimise the wasm with binaryen 132 from npm (Debian's wasm-opt 108 corrupts
//    wasm-bindgen 0.2.13x output, and Trunk cannot download its own here). WASM_NAMES=1 keeps the
//    function names, for a profiler.
// 2. Move Trunk's inline boot script into its own file, so the page's Content-Security-Policy can
//    stay `script-src 'self'` with no inline script allowed.
// 3. Name the files Trunk leaves unhashed (the app's and the simulator's modules, which the page
//    loads itself, and the two worker scripts) by their content, and list them in the page as
//    <meta name="stepscope-files" content="plain=hashed …"> (read by src/ui/browser.rs `file` and
//    src/ui/load_app.js): a browser holding an earlier deploy's files in its cache never starts
//    them beside a newer page. embed.js keeps its name: host pages link to it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

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

const sha = (body) => createHash('sha256').update(body).digest('hex').slice(0, 16);
const html = join(staging, 'index.html');
let page = readFileSync(html, 'utf8');

// wasm-bindgen's snippets (load_app.js) sit under a crate hash that does not follow their content:
// each is named by its content too, and the first view's glue (which imports them) by its new
// content, in the page as well.
const snippets = {};
const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
if (existsSync(join(staging, 'snippets'))) {
  for (const path of walk(join(staging, 'snippets')).filter((f) => f.endsWith('.js'))) {
    const from = relative(staging, path).replaceAll('\\', '/');
    const to = from.replace(/\.js$/, `-${sha(readFileSync(path))}.js`);
    renameSync(path, join(staging, to));
    snippets[from] = to;
  }
}
for (const glue of readdirSync(staging).filter((f) => /^stepscope-view-[0-9a-f]+\.js$/.test(f))) {
  let text = readFileSync(join(staging, glue), 'utf8');
  // Only where it is imported: the wasm's import object keeps the module's own name as its key.
  for (const [from, to] of Object.entries(snippets)) text = text.split(`from "./${from}"`).join(`from "./${to}"`).split(`from './${from}'`).join(`from './${to}'`);
  const name = `stepscope-view-${sha(text)}.js`;
  writeFileSync(join(staging, name), text);
  if (name !== glue) rmSync(join(staging, glue));
  page = page.split(glue).join(name);
}
for (const [from, to] of Object.entries(snippets)) page = page.split(from).join(to);
page = page.replace(/<script type="module">([\s\S]*?)<\/script>/g, (_, body) => {
  const name = `boot-${sha(body)}.js`;
  writeFileSync(join(staging, name), body.trim() + '\n');
  return `<script type="module" src="/${name}"></script>`;
});

const names = {};
// A file's body may name files renamed before it (the glue its wasm, sim-worker.js the
// simulator's module): those names are rewritten first, so its hash covers them.
const rename = (plain, hashedName) => {
  const path = join(staging, plain);
  let body = readFileSync(path);
  if (plain.endsWith('.js')) {
    let text = body.toString('utf8');
    for (const [from, to] of Object.entries(names)) text = text.split(`'./${from}'`).join(`'./${to}'`).split(`'${from}'`).join(`'${to}'`);
    body = Buffer.from(text, 'utf8');
    writeFileSync(path, body);
  }
  const name = hashedName(sha(body));
  renameSync(path, join(staging, name));
  names[plain] = name;
};
for (const bin of ['stepscope-web', 'stepscope-sim']) {
  rename(`${bin}_bg.wasm`, (h) => `${bin}-${h}_bg.wasm`);
  rename(`${bin}.js`, (h) => `${bin}-${h}.js`);
}
for (const script of ['worker', 'sim-worker']) rename(`${script}.js`, (h) => `${script}-${h}.js`);
const list = Object.entries(names).map(([plain, name]) => `${plain}=${name}`).join(' ');
page = page.replace('<head>', `<head>\n    <meta name="stepscope-files" content="${list}" />`);
writeFileSync(html, page);
