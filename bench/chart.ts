/**
 * The SVG chart of a benchmark run, drawn with Vega-Lite: decision cost against cluster size
 * (`decide()` alone, and the placement from the scheduler's store), and rollout time against
 * model count, both on log-log axes.
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { DecisionRow } from "./decision.ts";
import type { PlacementRow } from "./placement.ts";
import type { RolloutMeasurement } from "./rollout-child.ts";

export async function renderChart(
  decisions: readonly DecisionRow[],
  placements: readonly PlacementRow[],
  rollouts: readonly RolloutMeasurement[],
  title: string,
): Promise<string> {
  const shape = (replicasPerServer: number) => (replicasPerServer === 1 ? "servers × 1" : "servers × 10");
  const decisionData = [
    ...decisions.map((r) => ({ serverReplicas: r.serverReplicas, medianUs: r.medianUs, series: `${shape(r.replicasPerServer)}${r.explained ? ", explained" : ""}` })),
    ...placements.map((r) => ({ serverReplicas: r.serverReplicas, medianUs: r.medianUs, series: `${shape(r.replicasPerServer)}, from the store` })),
  ];
  const rolloutData = rollouts.map((r) => ({ models: r.models, seconds: r.wallS, series: `${r.runtime}, ${r.agents} agents` }));
  const spec: vl.TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    hconcat: [
      {
        title: "One placement decision",
        width: 320,
        height: 240,
        data: { values: decisionData },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "serverReplicas", type: "quantitative", scale: { type: "log" }, title: "server replicas" },
          y: { field: "medianUs", type: "quantitative", scale: { type: "log" }, title: "median µs" },
          color: { field: "series", type: "nominal", title: null },
        },
      },
      {
        title: "Models to ModelAvailable",
        width: 320,
        height: 240,
        data: { values: rolloutData },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "models", type: "quantitative", scale: { type: "log" }, title: "models" },
          y: { field: "seconds", type: "quantitative", scale: { type: "log" }, title: "wall s" },
          color: { field: "series", type: "nominal", title: null },
        },
      },
    ],
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  return view.toSVG();
}
