/**
 * The V8 flags the `seldon-sim` command starts Node.js with (the shebang of `bin/seldon-sim.js`
 * passes them; a test keeps the two the same), and that the benchmarks start their children with,
 * so that what they measure is what the command does.
 *
 * A run allocates many short-lived objects per message (each one is encoded and decoded, and
 * components answer with fresh effect lists). V8's default young generation (16 MiB semi-spaces)
 * fills every few milliseconds of such a run, and each scavenge promotes what is still live into
 * the old generation, which then needs the costly full collections. Larger semi-spaces let most
 * of it die young, and cost up to three of them in resident memory. On the 10,000-model
 * rollout benchmark 32 MiB took a quarter off the CPU time against 16. 64 MiB was once over
 * `run`'s 1 GiB budget on the 10,000-model scenario; since the run keeps only what is read it
 * peaks at ~540 MiB with 32 and ~500 MiB with 64, but three interleaved runs each of 32 and 64
 * (rollout 2.31–2.39 s against 2.29–2.42 s, `run` 3.98–4.90 s against 3.93–4.15 s) showed no
 * difference beyond the host's noise, so the flag stays where it was measured to pay.
 */
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];
