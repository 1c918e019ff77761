/**
 * The V8 flags the `seldon-sim` command starts Node.js with (the shebang of `bin/seldon-sim.js`
 * passes them; a test keeps the two the same), and that the benchmarks start their children with,
 * so that what they measure is what the command does.
 *
 * A run allocates many short-lived objects per message (each one is encoded and decoded, and
 * components answer with fresh effect lists). V8's default young generation (16 MiB semi-spaces)
 * fills every few milliseconds of such a run, and each scavenge promotes what is still live into
 * the old generation, which then needs the costly full collections. 64 MiB semi-spaces let most
 * of it die young: on the 10,000-model rollout benchmark about a quarter less CPU time and a
 * sixth less peak memory.
 */
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64"];
