#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (built by `npm run build`, which `npm ci` and `npm pack`
// run through the `prepare` script).
import { existsSync } from "node:fs";

// A reader that went away (`seldon-sim run | head`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const compiled = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write("error: dist/cli/main.js is missing: run 'npm run build' in the package folder first\n");
  process.exit(2);
}
const { main } = await import(compiled.href);
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // main turns every mistake in the user's input into one line and exit 2; what reaches here is
  // our own fault. One line too, unless asked for the stack.
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`seldon-sim: internal error: ${message}\n`);
  if (process.env.SELDON_SIM_DEBUG) process.stderr.write(`${e instanceof Error ? e.stack : ""}\n`);
  else process.stderr.write("(set SELDON_SIM_DEBUG=1 for the stack trace; please report it)\n");
  process.exitCode = 70;
}
