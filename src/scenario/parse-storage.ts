/**
 * A scenario's `storage:` section: the buckets and paths that exist in the object stores the
 * server pods' rclone reaches. Absent, every source exists.
 */
import type { Val } from "./parse-reader.ts";
import type { StorageLocation } from "../rclone/store.ts";

export const STORAGE_FIELDS = ["type", "bucket", "path"];

export function readStorage(v: Val | undefined): StorageLocation[] | null {
  if (v === undefined || v.kind === "null") return null;
  const out: StorageLocation[] = [];
  for (const item of v.list("a list of storage locations (`{type, bucket, path}`)")) {
    const o = item.obj(STORAGE_FIELDS, "a storage location");
    if (!o) continue;
    const type = o.req("type", "the rclone backend type, e.g. `s3` or `gcs`")?.name("an rclone backend type");
    const bucketV = o.req("bucket");
    const bucket = bucketV?.name("a bucket name");
    if (bucket !== undefined && bucket.includes("/")) {
      bucketV!.error("expected a bucket name without `/`; put the rest under `path`");
      continue;
    }
    const path = o.maybe("path", (p) => p.text("a path inside the bucket"));
    if (type === undefined || bucket === undefined) continue;
    const trimmed = path?.replace(/^\/+|\/+$/g, "");
    out.push({ type, bucket, ...(trimmed !== undefined && trimmed !== "" ? { path: trimmed } : {}) });
  }
  return out;
}
