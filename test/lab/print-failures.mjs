#!/usr/bin/env node
// Prints every failed assertion that tap saved in .tap/test-results (one .tap file per test
// file), with its diagnostics, so that the end of a CI log names what failed: tap's own report
// prints failures above the coverage table, which a log's tail cuts off.
// Usage: node test/lab/print-failures.mjs [results-dir]; exits 0 whatever it finds.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = process.argv[2] ?? '.tap/test-results';

function tapFiles(dir) {
  let out = [];
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(tapFiles(path));
    else if (name.endsWith('.tap')) out.push(path);
  }
  return out;
}

/** The failures of one TAP stream, parents included: each "not ok" line with its YAML block. */
function failures(text) {
  const lines = text.split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)not ok \d+ - (.*)$/.exec(lines[i]);
    if (!m) continue;
    const indent = m[1];
    const block = [];
    if (lines[i + 1]?.trim() === '---') {
      for (let j = i + 2; j < lines.length && lines[j].trim() !== '...'; j++) {
        block.push(lines[j].slice(indent.length + 2));
      }
    }
    found.push({ name: m[2], block, depth: indent.length });
  }
  return found;
}

let count = 0;
for (const file of tapFiles(root).sort()) {
  const list = failures(readFileSync(file, 'utf8'));
  if (list.length === 0) continue;
  console.log(`\n== ${relative(root, file).replace(/\.tap$/, '')}`);
  for (const f of list) {
    count++;
    console.log(`${'  '.repeat(f.depth / 4)}not ok - ${f.name}`);
    for (const line of f.block.slice(0, 30)) console.log(`${'  '.repeat(f.depth / 4)}    ${line}`);
  }
}
console.log(count === 0 ? '\nno failed assertions in the saved results' : `\n${count} failure line(s) above`);
