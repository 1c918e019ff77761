/**
 * rclone's names for a file system, as `sync/copy` receives them in `srcFs`:
 * - `remote:path`, a remote configured by name (`gs:seldon-models/iris`, also `gs://seldon-models/iris`:
 *   rclone drops the slashes that follow the colon of a bucket-based remote);
 * - `:type,key=value,key="quoted, value":path`, a connection string that carries its own config
 *   (what the Seldon agent builds from a model's secret);
 * - `/local/path`, the local disk.
 */
export type FsString =
  | { kind: "named"; remote: string; path: string }
  | { kind: "inline"; type: string; parameters: Record<string, string>; path: string }
  | { kind: "local"; path: string };

export function parseFsString(fs: string): FsString | { error: string } {
  if (fs.startsWith(":")) return parseInline(fs);
  const colon = fs.indexOf(":");
  // A colon after a slash belongs to a local path (as rclone decides: `/a:b` is local).
  const slash = fs.indexOf("/");
  if (colon <= 0 || (slash >= 0 && slash < colon)) return { kind: "local", path: fs };
  return { kind: "named", remote: fs.slice(0, colon), path: stripLeadingSlashes(fs.slice(colon + 1)) };
}

function parseInline(fs: string): FsString | { error: string } {
  let i = 1;
  let type = "";
  while (i < fs.length && fs[i] !== "," && fs[i] !== ":") type += fs[i++];
  if (type === "") return { error: `config name contains invalid characters - may only contain numbers, letters, \`_\`, \`-\`, \`.\`, \`+\`, \`@\` and space, while not start with \`-\` or space, and not end with space` };
  const parameters: Record<string, string> = {};
  while (fs[i] === ",") {
    i++;
    let key = "";
    while (i < fs.length && fs[i] !== "=" && fs[i] !== "," && fs[i] !== ":") key += fs[i++];
    let value = "true";
    if (fs[i] === "=") {
      i++;
      value = "";
      if (fs[i] === '"' || fs[i] === "'") {
        const q = fs[i++]!;
        for (;;) {
          if (i >= fs.length) return { error: `didn't find closing quote in connection string ${JSON.stringify(fs)}` };
          if (fs[i] === q && fs[i + 1] === q) {
            value += q;
            i += 2;
          } else if (fs[i] === q) {
            i++;
            break;
          } else value += fs[i++];
        }
      } else {
        while (i < fs.length && fs[i] !== "," && fs[i] !== ":") value += fs[i++];
      }
    }
    parameters[key] = value;
  }
  if (fs[i] !== ":") return { error: `didn't find path separator ":" in connection string ${JSON.stringify(fs)}` };
  return { kind: "inline", type, parameters, path: stripLeadingSlashes(fs.slice(i + 1)) };
}

function stripLeadingSlashes(p: string): string {
  // Most paths have none: the string as it is, without running the expression.
  return p.charCodeAt(0) === 0x2f ? p.replace(/^\/+/, "") : p;
}

/** A connection-string value, quoted as rclone needs when it holds `:` or `,`. */
export function quoteConnectionValue(v: string): string {
  return /[:,]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
