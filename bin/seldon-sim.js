#!/usr/bin/env -S node --max-semi-space-size=32
// The flags after `node` are src/cli/node-flags.ts's NODE_FLAGS (why they are there is said there).
// Runs the compiled JavaScript in dist/ (built by `npm run build`, which `npm ci` and `npm pack`
// run through the `prepare` script).
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write("error: dist/cli/main.js is missing: run 'npm run build' in the package folder first\n");
  process.exit(2);
}
const { runFromCommandLine } = await import(compiled.href);
await runFromCommandLine();
