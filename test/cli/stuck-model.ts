/**
 * A scenario whose Model requires a capability (tensorflow) that its one Server does not offer,
 * so it is ScheduleFailed from its first placement on: the smallest "model not Ready" there is.
 * `steps` come after the first 10 s of the timeline; `expect` after the settle.
 */
export function stuckModelScenario(o: { steps?: string; expect?: string } = {}): string {
  return `
cluster:
  namespaces: [ns]
  servers: [{name: mlserver, memory: 1Gi}]
resources:
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Server, metadata: {name: mlserver}, spec: {serverConfig: mlserver}}
  - {apiVersion: mlops.seldon.io/v1alpha1, kind: Model, metadata: {name: m}, spec: {storageUri: "gs://m", requirements: [tensorflow]}}
timeline:
  - advance: 10s
${o.steps ?? ""}settle: 1m
${o.expect ?? ""}`;
}
