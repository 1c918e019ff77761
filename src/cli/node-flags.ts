/**
 * The V8 flags the `seldon-sim` command starts Node.js with (the shebang of `bin/seldon-sim.js`
 * passes them; a test keeps the two the same), and that the benchmarks start their children with,
 * so that what they measure is what the command does.
 *
 * A run allocates many short-lived objects per message (each one is encoded and decoded, and
 * components answer with fresh effect lists). V8's default young generation (16 MiB semi-spaces)
 * fills every few milliseconds of such a run, and each scavenge promotes what is still live into
 * the old generation, which then needs the costly full collections. Larger semi-spaces let most
 * of it die young, and cost up to three of them in resident memory: on the 10,000-model rollout
 * benchmark, 32 MiB took a quarter off the CPU time (64 MiB a little more), while `run` on the
 * 10,000-model scenario peaked at 860 MiB with 16 MiB, 894 MiB with 32 and 1,070–1,110 MiB with
 * 64, over its 1 GiB budget.
 */
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];
