/**
 * What a property is: the contract lives with the scenario runner that runs properties
 * (src/scenario/property.ts); this module gives it to property authors under its usual name.
 */
export * from "../scenario/property.ts";
export type { Violation } from "../scenario/result.ts";
