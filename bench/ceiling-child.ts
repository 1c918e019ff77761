/**
 * grpc-js's ceiling (see `grpcCeiling`) in a process of its own, as each `wire` rollout runs in
 * one: the same cold start, its own heap and CPU time. Prints one JSON line (`CeilingMeasurement`).
 *
 *   node --import tsx bench/ceiling-child.ts '<LoadShape as JSON>' 4000 100
 */
import { grpcCeiling, type LoadShape } from "./wire.ts";

const shape = JSON.parse(process.argv[2]!) as LoadShape;
console.log(JSON.stringify(await grpcCeiling(shape, Number(process.argv[3]), Number(process.argv[4]))));
