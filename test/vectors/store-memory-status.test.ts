/**
 * v2.9.0's model status of a version whose replicas are available, with the other version of the
 * model loaded or available, decided by our store's status refresh.
 */
import { describe, expect, it } from "vitest";
import type { ModelState } from "../../src/scheduler/states.ts";
import { buildStore, type VersionFixture } from "./store-fixtures.ts";

const spec = (replicas: number, minReplicas = 0) => ({ modelSpec: {}, deploymentSpec: { replicas, minReplicas, maxReplicas: 0 } });

describe("model status of the latest version", () => {
  const cases: { what: string; versions: VersionFixture[]; state: ModelState }[] = [
    {
      what: "available when its replica is available, the older version merely loaded",
      versions: [
        { version: 1, defn: spec(1), server: "server2", replicas: { 0: "Loaded" } },
        { version: 2, defn: spec(1), server: "server1", replicas: { 0: "Available" } },
      ],
      state: "ModelAvailable",
    },
    {
      what: "available at its min replicas though short of the desired count",
      versions: [
        { version: 1, defn: spec(1), server: "server2", replicas: { 0: "Loaded" } },
        { version: 2, defn: spec(2, 1), server: "server1", replicas: { 0: "Available" } },
      ],
      state: "ModelAvailable",
    },
    {
      what: "available short of replicas while the previous version is available",
      versions: [
        { version: 1, defn: spec(1), server: "server2", replicas: { 0: "Available" }, state: "ModelAvailable" },
        { version: 2, defn: spec(2), server: "server1", replicas: { 0: "Available" } },
      ],
      state: "ModelAvailable",
    },
    {
      what: "progressing short of replicas when no earlier version is available",
      versions: [
        { version: 1, defn: spec(1), server: "server2", replicas: { 0: "Available" }, state: "ModelTerminating" },
        { version: 2, defn: spec(2), server: "server1", replicas: { 0: "Available" } },
      ],
      state: "ModelProgressing",
    },
  ];
  it.each(cases)("$what", ({ versions, state }) => {
    const store = buildStore({
      models: { model: { versions } },
      servers: { server1: { replicas: { 0: {} } }, server2: { replicas: { 0: {} } } },
    });
    const model = store.models.get("model")!;
    const latest = model.version(2)!;
    store.refreshStatus(model, latest);
    expect(latest.status.state).toBe(state);
  });
});
