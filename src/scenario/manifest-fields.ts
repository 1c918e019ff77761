/**
 * What the simulator takes from the parts of a pasted manifest the v2.9.0 operator turns into
 * pods and components, and a warning naming every field it does not simulate.
 *
 * A Server's `spec.podSpec` is merged into its ServerConfig's pod spec as the operator merges it
 * (`MergePodSpecs`: containers matched by name, fields of a matched container overridden, lists
 * such as `env` appended — so of two entries with one name the later wins, as the kubelet takes
 * it). What reaches the simulated components: the agent container's `env` (for the variables the
 * agent reads) and the inference container's memory request (the agent's MEMORY_REQUEST).
 *
 * A SeldonRuntime's `overrides` are matched by name against the SeldonConfig's components, as
 * the operator matches them; an override naming no component is ignored by the operator, and
 * reported here. Only the scheduler is simulated among the runtime's components: `disable: true`
 * (or `replicas: 0`) means the namespace has no scheduler.
 */

/** Components of Seldon's shipped SeldonConfig `default` (v2.9.0), by their override names. */
export const SELDON_CONFIG_COMPONENTS = [
  "seldon-scheduler",
  "seldon-envoy",
  "seldon-dataflow-engine",
  "seldon-modelgateway",
  "seldon-pipelinegateway",
  "hodometer",
] as const;

export const SCHEDULER_COMPONENT = "seldon-scheduler";

export interface FieldNote {
  /** YAML path below the resource, e.g. `spec.podSpec.containers[0].image`. */
  path: string;
  message: string;
}

export interface ServerPodFacts {
  /** Agent environment from the agent container's `env`, later entries winning. */
  agentEnv: Record<string, string>;
  /** The inference container's `resources.requests.memory`, as written. */
  inferenceMemoryRequest: unknown;
  notes: FieldNote[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const NOT_SIMULATED = "is not simulated (the pod's control-plane behaviour does not depend on it); it has no effect here";

/**
 * A Server's `spec.podSpec`, as the operator merges it into the ServerConfig's: what reaches the
 * agent, and a note for every other field set.
 */
export function serverPodSpec(podSpec: unknown, inferenceContainer: string, agentReads: readonly string[]): ServerPodFacts {
  const facts: ServerPodFacts = { agentEnv: {}, inferenceMemoryRequest: undefined, notes: [] };
  if (!isRecord(podSpec)) return facts;
  const note = (path: string, message: string) => facts.notes.push({ path: `spec.podSpec${path}`, message });
  for (const [key, value] of Object.entries(podSpec)) {
    if (key === "containers" || value === null || value === undefined) continue;
    note(`.${key}`, `\`${key}\` ${NOT_SIMULATED}`);
  }
  const containers = Array.isArray(podSpec["containers"]) ? podSpec["containers"] : [];
  containers.forEach((raw, i) => {
    if (!isRecord(raw)) return;
    const at = `.containers[${i}]`;
    const name = raw["name"];
    for (const [key, value] of Object.entries(raw)) {
      if (key === "name" || value === null || value === undefined) continue;
      if (name === "agent" && key === "env") {
        agentEnvEntries(value, `${at}.env`, agentReads, facts, note);
        continue;
      }
      if (name === inferenceContainer && key === "resources" && isRecord(value)) {
        inferenceResources(value, `${at}.resources`, facts, note);
        continue;
      }
      note(`${at}.${key}`, `\`${key}\` of container \`${String(name)}\` ${NOT_SIMULATED}`);
    }
  });
  return facts;
}

function agentEnvEntries(value: unknown, at: string, agentReads: readonly string[], facts: ServerPodFacts, note: (path: string, message: string) => void): void {
  if (!Array.isArray(value)) return;
  value.forEach((e, j) => {
    if (!isRecord(e)) return;
    const name = typeof e["name"] === "string" ? e["name"] : "";
    if (e["valueFrom"] !== undefined && e["valueFrom"] !== null) {
      note(`${at}[${j}].valueFrom`, `\`${name}\` comes from \`valueFrom\`, which is not simulated; give it a \`value\``);
      return;
    }
    if (!agentReads.includes(name)) {
      note(`${at}[${j}]`, `the v2.9.0 agent does not read \`${name}\`; it has no effect`);
      return;
    }
    facts.agentEnv[name] = e["value"] === undefined || e["value"] === null ? "" : String(e["value"]);
  });
}

function inferenceResources(value: Record<string, unknown>, at: string, facts: ServerPodFacts, note: (path: string, message: string) => void): void {
  for (const [key, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (key === "requests" && isRecord(v)) {
      for (const [res, q] of Object.entries(v)) {
        if (res === "memory") facts.inferenceMemoryRequest = q;
        else note(`${at}.requests.${res}`, `the \`${res}\` request ${NOT_SIMULATED}`);
      }
      continue;
    }
    note(`${at}.${key}`, `\`resources.${key}\` ${NOT_SIMULATED}`);
  }
}

/** Top-level Server spec fields the simulator does not act on. */
export function serverSpecNotes(spec: Record<string, unknown>): FieldNote[] {
  const out: FieldNote[] = [];
  for (const key of ["imageOverrides", "statefulSetPersistentVolumeClaimRetentionPolicy"]) {
    if (spec[key] !== undefined && spec[key] !== null) out.push({ path: `spec.${key}`, message: `\`${key}\` ${NOT_SIMULATED}` });
  }
  return out;
}

export interface RuntimeFacts {
  /** The namespace's scheduler is disabled (`disable: true` or `replicas: 0`). */
  schedulerDisabled: boolean;
  /** `config.agentConfig.rclone`: what the namespace's agents preload, before the SeldonConfig's own. */
  agentRclone?: { configSecrets: string[]; rawConfigs: string[] };
  notes: FieldNote[];
}

/** A SeldonRuntime's `overrides` and `config`, as the operator applies them. */
export function seldonRuntimeSpec(spec: Record<string, unknown>): RuntimeFacts {
  const facts: RuntimeFacts = { schedulerDisabled: false, notes: [] };
  const overrides = Array.isArray(spec["overrides"]) ? spec["overrides"] : [];
  overrides.forEach((raw, i) => {
    if (!isRecord(raw)) return;
    const at = `spec.overrides[${i}]`;
    const name = typeof raw["name"] === "string" ? raw["name"] : "";
    if (!(SELDON_CONFIG_COMPONENTS as readonly string[]).includes(name)) {
      facts.notes.push({
        path: `${at}.name`,
        message: `\`${name}\` names no component of the SeldonConfig (${SELDON_CONFIG_COMPONENTS.join(", ")}): the operator ignores this override`,
      });
      return;
    }
    if (name !== SCHEDULER_COMPONENT) {
      facts.notes.push({ path: at, message: `component \`${name}\` is not simulated; its override has no effect here` });
      return;
    }
    if (raw["disable"] === true || raw["replicas"] === 0) facts.schedulerDisabled = true;
    for (const [key, value] of Object.entries(raw)) {
      if (key === "name" || key === "disable" || value === null || value === undefined) continue;
      if (key === "replicas" && (value === 0 || value === 1)) continue;
      const what = key === "replicas" ? `\`replicas: ${String(value)}\` (more than one scheduler)` : `\`${key}\``;
      facts.notes.push({ path: `${at}.${key}`, message: `${what} of the scheduler ${NOT_SIMULATED}` });
    }
  });
  if (isRecord(spec["config"])) {
    const config = spec["config"];
    for (const key of Object.keys(config)) {
      const agentConfig = config[key];
      if (key === "agentConfig" && isRecord(agentConfig)) {
        // The agents' rclone is simulated: its config_secrets and config reach them.
        const rclone = agentConfig["rclone"];
        if (isRecord(rclone)) {
          const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
          facts.agentRclone = { configSecrets: strings(rclone["config_secrets"]), rawConfigs: strings(rclone["config"]) };
        }
        for (const k of Object.keys(agentConfig)) {
          if (k !== "rclone") facts.notes.push({ path: `spec.config.agentConfig.${k}`, message: `\`config.agentConfig.${k}\` ${NOT_SIMULATED}` });
        }
        continue;
      }
      facts.notes.push({ path: `spec.config.${key}`, message: `\`config.${key}\` ${NOT_SIMULATED}` });
    }
  }
  return facts;
}
