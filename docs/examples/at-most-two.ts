/**
 * A platform rule as a property, usable from a test file and as a `seldon-sim check` plugin:
 *
 *   npx seldon-sim check --plugin docs/examples/at-most-two.ts --property at-most-two-on-mlserver --runs 50
 */
import { caseArb, registerProperty, type RunProperty } from "../../src/properties/index.ts";

/** No model version ever has more than two replicas on the shared `mlserver`. */
export const atMostTwo: RunProperty = registerProperty({
  kind: "run",
  name: "at-most-two-on-mlserver",
  category: "safety",
  description: "No model version has more than two replicas on mlserver.",
  watch: ({ session, scenario }) => ({
    step: () => {
      for (const ns of scenario.cluster.namespaces) {
        for (const model of session.scheduler(ns.name)?.store.models.values() ?? []) {
          for (const mv of model.versions) {
            if (mv.server === "mlserver" && mv.replicas.size > 2) return `${ns.name}/${mv.key} has ${mv.replicas.size} replicas on mlserver`;
          }
        }
      }
      return null;
    },
  }),
}) as RunProperty;

/** Cases for this rule: one namespace, no faults. */
export const arbitrary = caseArb({ namespaces: 1, faults: false });
