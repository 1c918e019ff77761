#!/usr/bin/env node
// Runs the TypeScript sources directly; no build step between a clone and a run.
import { register } from "tsx/esm/api";

// A reader that went away (`seldon-sim run | head`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

register();
const { main } = await import("../src/cli/main.ts");
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
