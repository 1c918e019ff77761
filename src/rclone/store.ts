/**
 * The object stores a scenario describes (its `storage:` section): which buckets and paths exist,
 * per rclone backend type. Without a description every source exists, so scenarios that never
 * speak of storage download every `storageUri`.
 */

/** One location that exists: a whole bucket, or one path in it (and everything under that path). */
export interface StorageLocation {
  /** rclone backend type, as a remote's config names it (`s3`, `gcs`, `azureblob`, ...). */
  type: string;
  bucket: string;
  /** Path inside the bucket, without leading or trailing slashes; undefined for the whole bucket. */
  path?: string;
}

/** `null`: no storage described, every source exists. */
export type StorageSpec = StorageLocation[] | null;

/** rclone accepts a backend by its name or its prefix; the ones Seldon users write most. */
const TYPE_ALIASES: Record<string, string> = {
  "google cloud storage": "gcs",
  gs: "gcs",
  "amazon s3": "s3",
  "microsoft azure blob storage": "azureblob",
  azure: "azureblob",
};

export function canonicalBackendType(type: string): string {
  const t = type.trim().toLowerCase();
  return TYPE_ALIASES[t] ?? t;
}

const trimSlashes = (p: string): string => p.replace(/^\/+|\/+$/g, "");

export type SourceLookup = { ok: true } | { ok: false; error: string };

/** rclone's fs.ErrorDirNotFound, what listing a missing bucket or prefix gives on bucket-based backends. */
export const DIR_NOT_FOUND = "directory not found";

/** What every lookup that finds its source answers: shared, never written to. */
const FOUND: SourceLookup = Object.freeze({ ok: true });

export class ArtifactStore {
  constructor(private readonly spec: StorageSpec) {}

  get described(): boolean {
    return this.spec !== null;
  }

  /** Does `bucket/path` hold anything on a backend of this type? */
  lookup(type: string, bucketAndPath: string): SourceLookup {
    if (this.spec === null) return FOUND;
    const t = canonicalBackendType(type);
    const full = trimSlashes(bucketAndPath);
    const slash = full.indexOf("/");
    const bucket = slash < 0 ? full : full.slice(0, slash);
    const path = slash < 0 ? "" : trimSlashes(full.slice(slash + 1));
    for (const loc of this.spec) {
      if (canonicalBackendType(loc.type) !== t || loc.bucket !== bucket) continue;
      const have = loc.path === undefined ? "" : trimSlashes(loc.path);
      // A source exists when a declared location is at it, above it or below it.
      if (have === "" || path === "" || have === path || path.startsWith(`${have}/`) || have.startsWith(`${path}/`)) return FOUND;
    }
    return { ok: false, error: DIR_NOT_FOUND };
  }
}
