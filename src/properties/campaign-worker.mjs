// A worker thread of `seldon-sim check --workers`: it loads the TypeScript sources itself,
// since the main thread's loader does not reach workers.
import { register } from "tsx/esm/api";

register();
const { runChunk } = await import("./campaign-task.ts");

export default runChunk;
