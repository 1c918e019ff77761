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
process.exitCode = await main(process.argv.slice(2));
