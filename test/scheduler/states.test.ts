import { describe, expect, it } from "vitest";
import {
  IllegalTransition,
  REPLICA_STATES,
  REPLICA_TRANSITIONS,
  checkReplicaTransition,
  deriveModelStatus,
  isLegalReplicaTransition,
  type ReplicaCause,
  type ReplicaState,
  type ReplicaStatus,
} from "../../src/scheduler/states.ts";

const causes = Object.keys(REPLICA_TRANSITIONS) as ReplicaCause[];

/** The moves Seldon's store makes, written out by hand from the store's code paths. */
const EXPECTED_LEGAL: Record<ReplicaCause, [from: ReplicaState[] | "any", to: ReplicaState]> = {
  schedule: [["ModelReplicaStateUnknown", "LoadRequested", "LoadFailed", "UnloadEnvoyRequested", "UnloadRequested", "Unloading", "Unloaded", "UnloadFailed", "Draining"], "LoadRequested"],
  deschedule: [["LoadRequested", "Loading", "Loaded", "LoadFailed", "UnloadFailed", "Available", "LoadedUnavailable"], "UnloadEnvoyRequested"],
  loadSent: [["LoadRequested"], "Loading"],
  loadSendFailed: [["LoadRequested"], "LoadFailed"],
  agentLoaded: [["Loading"], "Loaded"],
  agentLoadFailed: [["Loading"], "LoadFailed"],
  routed: [["Loaded", "Available", "LoadedUnavailable"], "Available"],
  routeFailed: [["Loaded", "Available", "LoadedUnavailable"], "LoadedUnavailable"],
  unrouted: [["UnloadEnvoyRequested"], "UnloadRequested"],
  unloadVersion: [["LoadRequested", "Loading", "Loaded", "LoadFailed", "UnloadFailed", "Available", "LoadedUnavailable", "Draining"], "UnloadRequested"],
  unloadSent: [["UnloadRequested"], "Unloading"],
  unloadSendFailed: [["UnloadRequested"], "UnloadFailed"],
  agentUnloaded: [["Unloading"], "Unloaded"],
  agentUnloadFailed: [["Unloading"], "UnloadFailed"],
  replicaRemoved: ["any", "Unloaded"],
  drain: ["any", "Draining"],
  agentReportsLoaded: ["any", "Loaded"],
};

describe("replica transitions", () => {
  it("walks every (from, to, cause) triple: legal exactly where the store makes the move", () => {
    let legal = 0;
    for (const cause of causes) {
      const [froms, target] = EXPECTED_LEGAL[cause];
      for (const from of REPLICA_STATES) {
        for (const to of REPLICA_STATES) {
          const expected = to === target && (froms === "any" || froms.includes(from));
          expect(isLegalReplicaTransition(from, to, cause), `${from} -> ${to} via ${cause}`).toBe(expected);
          if (expected) legal++;
          else expect(() => checkReplicaTransition(from, to, cause)).toThrow(IllegalTransition);
        }
      }
    }
    expect(legal).toBeGreaterThan(50);
  });

  it("names the move in the error", () => {
    expect(() => checkReplicaTransition("Unloaded", "Loaded", "agentLoaded")).toThrow(
      "illegal model replica transition Unloaded -> Loaded (agentLoaded)",
    );
  });
});

const r = (state: ReplicaState, at = 1, reason = ""): ReplicaStatus => ({ state, at, reason });
const base = { deleted: false, isLatest: true, desiredReplicas: 2, minReplicas: 0, replacingAvailableVersion: false };

describe("model state derived from replicas", () => {
  it.each([
    { name: "Loaded is not yet available", replicas: [r("Loaded"), r("Loaded")], state: "ModelProgressing", available: 0, unavailable: 2 },
    { name: "all desired available", replicas: [r("Available"), r("Available")], state: "ModelAvailable", available: 2, unavailable: 0 },
    { name: "one of two available", replicas: [r("Available"), r("Loading")], state: "ModelProgressing", available: 1, unavailable: 1 },
    { name: "a failed load fails the model", replicas: [r("Available"), r("LoadFailed", 5, "boom")], state: "ModelFailed", available: 1, unavailable: 1 },
    { name: "LoadedUnavailable counts as failed", replicas: [r("LoadedUnavailable", 3, "envoy")], state: "ModelFailed", available: 0, unavailable: 1 },
    { name: "no replicas at all", replicas: [], state: "ModelProgressing", available: 0, unavailable: 0 },
  ])("$name", ({ replicas, state, available, unavailable }) => {
    const s = deriveModelStatus({ ...base, replicas });
    expect(s.state).toBe(state);
    expect(s.availableReplicas).toBe(available);
    expect(s.unavailableReplicas).toBe(unavailable);
  });

  it("takes the reason of the latest failure", () => {
    const s = deriveModelStatus({ ...base, replicas: [r("LoadFailed", 5, "first"), r("LoadFailed", 9, "second")] });
    expect(s.reason).toBe("second");
    expect(s.at).toBe(9);
  });

  it("min replicas make a model available early", () => {
    expect(deriveModelStatus({ ...base, desiredReplicas: 3, minReplicas: 1, replicas: [r("Available")] }).state).toBe("ModelAvailable");
    expect(deriveModelStatus({ ...base, desiredReplicas: 3, minReplicas: 2, replicas: [r("Available")] }).state).toBe("ModelProgressing");
  });

  it("a new version with one available replica is available while replacing an available one", () => {
    expect(deriveModelStatus({ ...base, replacingAvailableVersion: true, replicas: [r("Available"), r("Loading")] }).state).toBe("ModelAvailable");
    expect(deriveModelStatus({ ...base, replacingAvailableVersion: true, replicas: [r("Loading")] }).state).toBe("ModelProgressing");
  });

  it.each([
    { replicas: [r("Unloaded"), r("Unloaded")], state: "ModelTerminated" },
    { replicas: [r("Unloading"), r("Unloaded")], state: "ModelTerminating" },
    { replicas: [r("Available")], state: "ModelTerminating" },
    { replicas: [r("UnloadFailed", 4, "stuck")], state: "ModelTerminateFailed" },
    { replicas: [], state: "ModelTerminated" },
  ])("deleted: $state", ({ replicas, state }) => {
    expect(deriveModelStatus({ ...base, deleted: true, replicas }).state).toBe(state);
    expect(deriveModelStatus({ ...base, isLatest: false, replicas }).state).toBe(state);
  });

  it("never derives ScheduleFailed", () => {
    for (const s of REPLICA_STATES) {
      expect(deriveModelStatus({ ...base, replicas: [r(s)] }).state).not.toBe("ScheduleFailed");
    }
  });
});
