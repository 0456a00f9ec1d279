// `make bench`: asl-validator and amazon-states-language-service on the same corpus files that
// tests/bench/core.rs timed (listed in target/bench/core.json), then the ratios. Never pass/fail.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const validator = require('asl-validator');
const asls = require('amazon-states-language-service');
const { TextDocument } = require('vscode-languageserver-textdocument');

const core = JSON.parse(readFileSync(new URL('../../target/bench/core.json', import.meta.url)));
const files = core.files.map((f) => ({ path: f, text: readFileSync(f, 'utf8') }));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function timeEach(run, runs) {
  const perFile = [];
  for (const f of files) {
    await run(f); // warm-up
    const s = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await run(f);
      s.push(performance.now() - t);
    }
    perFile.push(median(s));
  }
  return median(perFile);
}

const aslv = await timeEach((f) => { try { validator(JSON.parse(f.text)); } catch { /* counted as a rejection */ } }, 5);
const ls = asls.getLanguageService({});
const aslsMs = await timeEach(async (f) => {
  const doc = TextDocument.create('file:///x.asl.json', 'json', 1, f.text);
  await ls.doValidation(doc, ls.parseJSONDocument(doc));
}, 5);

const ours = core.per_file_median_ms;
console.log(`validators: ${files.length} files, median per file: stepscope ${ours.toFixed(4)} ms, asl-validator ${aslv.toFixed(3)} ms, amazon-states-language-service ${aslsMs.toFixed(3)} ms`);
console.log(`validators: stepscope is ${(aslv / ours).toFixed(0)}x faster than asl-validator and ${(aslsMs / ours).toFixed(0)}x faster than amazon-states-language-service`);
