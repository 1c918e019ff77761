/**
 * The Kubernetes Secrets of a run, as the agents read them through the API server, and the
 * object store their rclone containers reach.
 */
import type { SecretLookup, SecretReader } from "../agent/artifacts.ts";
import type { ArtifactsSpec } from "../scenario/types.ts";

/** The Secret the SeldonRuntime Helm chart (and k8s/yaml/runtime.yaml) installs, and the agent
 * ConfigMap's only `config_secrets` entry: anonymous access to public Google Cloud Storage. */
export const GS_PUBLIC_SECRET = "seldon-rclone-gs-public";
const GS_PUBLIC_CONFIG = 'type: "google cloud storage"\nname: gs\nparameters:\n  anonymous: true\n';

/** `config_secrets` of the `seldon-agent` ConfigMap as installed. */
export const DEFAULT_CONFIG_SECRETS: readonly string[] = [GS_PUBLIC_SECRET];

export const NO_ARTIFACTS: ArtifactsSpec = { storage: null, secrets: [] };

export class KubeSecrets implements SecretReader {
  private readonly byKey = new Map<string, Record<string, string>>();

  constructor(private readonly spec: ArtifactsSpec) {
    for (const s of spec.secrets) this.byKey.set(`${s.namespace}/${s.name}`, s.data);
  }

  get(namespace: string, name: string): SecretLookup {
    const data = this.byKey.get(`${namespace}/${name}`);
    if (data) return { kind: "found", data };
    if (name === GS_PUBLIC_SECRET) return { kind: "found", data: { gs: GS_PUBLIC_CONFIG } };
    // A scenario that describes no storage is not asked to spell out its Secrets either.
    if (this.spec.storage === null) return { kind: "assumed" };
    return { kind: "missing" };
  }
}
