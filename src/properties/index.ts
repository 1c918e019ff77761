/** Property-based testing of the control plane: generators, properties, the checker. */
export * from "./arbitraries.ts";
export * from "./case.ts";
export {
  BUILTIN_PROPERTIES,
  outcomeOf,
  propertyByName,
  propertyNames,
  registerProperty,
  registeredProperties,
} from "./catalog.ts";
export * from "./check.ts";
export type { ComparisonProperty, Property, PropertyCategory, RunProperty, RunView, Violation, Watch } from "./property.ts";
export { diffWithReference, referencePlace, type ReferenceOutcome } from "./reference.ts";
