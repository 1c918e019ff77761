/**
 * A recording file shared by several engines in turn (`run` records every scenario into one
 * file): one JSON Lines file, each engine's recorder attached while it runs.
 */
import * as fs from "node:fs";
import type { Engine } from "../runtime/engine.ts";
import { Recorder } from "./recorder.ts";
import { UserError } from "../core/errors.ts";

export interface RecordingFile {
  attach(engine: Engine): Recorder;
  detach(): void;
  close(): void;
}

export function openRecording(file: string, option = "--record"): RecordingFile {
  let fd: number;
  try {
    fd = fs.openSync(file, "w");
  } catch (e) {
    throw new UserError(`${option}: cannot write: ${(e as Error).message}`, { file });
  }
  let current: Recorder | null = null;
  return {
    attach(engine) {
      current?.close();
      current = new Recorder(engine);
      current.addSink((e) => fs.writeSync(fd, `${JSON.stringify(e)}\n`));
      return current;
    },
    detach() {
      current?.close();
      current = null;
    },
    close() {
      this.detach();
      fs.closeSync(fd);
    },
  };
}
