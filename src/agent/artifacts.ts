/**
 * Where a model's artifact configuration comes from, as the v2.9.0 agent resolves it before a
 * download (`Client.getArtifactConfig`, `k8s.SecretHandler`): inline rclone config, or the one
 * data key of the Kubernetes Secret the model's `secretName` names.
 */
import type { ModelOperationMsg } from "./messages.ts";

/**
 * What the API server answers for a Secret: its data (stringData merged in, as the API server
 * stores it), that it does not exist, or — when the scenario describes no storage at all — that
 * it stands for whatever remote the model's URI names, so the download goes ahead unconfigured.
 */
export type SecretLookup = { kind: "found"; data: Record<string, string> } | { kind: "missing" } | { kind: "assumed" };

export interface SecretReader {
  get(namespace: string, name: string): SecretLookup;
}

/** `StorageConfig` (a oneof) as proto-loader decodes it: `config` names the member that is set. */
interface StorageConfigMsg {
  config?: string;
  storageSecretName?: string;
  storageRcloneConfig?: string;
}

/** The rclone config to use, none, or the error the agent reports with LOAD_FAILED. */
export type ArtifactConfig = { config: string | undefined } | { error: string };

/** No config: what most models resolve to. Shared, and only read. */
const NO_CONFIG: ArtifactConfig = Object.freeze({ config: undefined });

/** `SecretHandler.GetSecretConfig`: the value of the Secret's only key. */
export function secretConfig(secrets: SecretReader, namespace: string, name: string): ArtifactConfig {
  const s = secrets.get(namespace, name);
  if (s.kind === "assumed") return NO_CONFIG;
  if (s.kind === "missing") return { error: `secrets "${name}" not found` };
  const values = Object.values(s.data);
  if (values.length === 1) return { config: values[0] };
  return { error: `Secret does not have 1 key ${name}` };
}

/**
 * The agent's resolver. Its secrets handler is made once, bound to the namespace of the first
 * model that needed one, and used for every model after (as v2.9.0's client caches it).
 */
export class ArtifactConfigResolver {
  private handlerNamespace: string | undefined;

  constructor(private readonly secrets: SecretReader) {}

  /** True when the operation's model carries a storage config (the agent then logs that it reads it). */
  static hasStorageConfig(op: ModelOperationMsg): boolean {
    return !!op.modelVersion?.model?.modelSpec?.storageConfig;
  }

  resolve(op: ModelOperationMsg): ArtifactConfig {
    const mv = op.modelVersion;
    const sc = mv?.model?.modelSpec?.storageConfig as StorageConfigMsg | null | undefined;
    if (!sc) return NO_CONFIG;
    if (sc.config === "storageRcloneConfig") return { config: sc.storageRcloneConfig ?? "" };
    if (sc.config !== "storageSecretName") return NO_CONFIG;
    const secretName = sc.storageSecretName ?? "";
    if (this.handlerNamespace === undefined) {
      const ns = (mv?.model?.meta as { kubernetesMeta?: { namespace?: string } | null } | undefined)?.kubernetesMeta?.namespace;
      if (ns === undefined || ns === null) {
        return { error: `Can't load model ${mv?.model?.meta?.name ?? ""}:${mv?.version ?? 0}with k8s secret ${secretName} when namespace not set` };
      }
      this.handlerNamespace = ns;
    }
    return secretConfig(this.secrets, this.handlerNamespace, secretName);
  }
}

function fnvStep(h: number, byte: number): number {
  return Math.imul(h ^ byte, 0x01000193) >>> 0;
}

/** Go's hash/fnv New32a over the UTF-8 bytes: where rclone puts a model's download. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  // UTF-8 as TextEncoder writes it (a lone surrogate becomes U+FFFD), without allocating the bytes.
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      h = fnvStep(h, c);
      continue;
    }
    if (c < 0x800) {
      h = fnvStep(h, 0xc0 | (c >> 6));
      h = fnvStep(h, 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        h = fnvStep(h, 0xf0 | (cp >> 18));
        h = fnvStep(h, 0x80 | ((cp >> 12) & 0x3f));
        h = fnvStep(h, 0x80 | ((cp >> 6) & 0x3f));
        h = fnvStep(h, 0x80 | (cp & 0x3f));
        continue;
      }
      c = 0xfffd;
    }
    h = fnvStep(h, 0xe0 | (c >> 12));
    h = fnvStep(h, 0x80 | ((c >> 6) & 0x3f));
    h = fnvStep(h, 0x80 | (c & 0x3f));
  }
  return h;
}
