/**
 * A scenario's gRPC messages as a Mermaid sequence diagram, for pasting into an issue or pull
 * request (GitHub renders ```mermaid blocks). Repeats of the same message on the same link in a
 * row are one arrow with a count, so a polling loop does not bury the story.
 */
import { shortMethod, type ScenarioDocument } from "./document.ts";

export interface MermaidOptions {
  /** Only messages whose summary mentions this model. */
  model?: string;
  /** At most this many arrows; the rest is counted in a note. */
  limit?: number;
}

const DEFAULT_LIMIT = 400;

export function sequenceDiagram(s: ScenarioDocument, o: MermaidOptions = {}): string {
  const limit = o.limit ?? DEFAULT_LIMIT;
  const messages = o.model ? s.messages.filter((m) => m.text.includes(`"${o.model}"`) || m.text.includes(`${o.model}:`)) : s.messages;
  const ids = new Map<string, string>();
  const id = (name: string) => ids.get(name) ?? (ids.set(name, `p${ids.size}`), `p${ids.size - 1}`);
  type Row = { from: string; to: string; label: string; arrow: string; count: number; t: number };
  const rows: Row[] = [];
  for (const m of messages) {
    const [from, to, arrow] = m.kind === "request" ? [m.from, m.to, "->>"] : m.kind === "response" ? [m.from, m.to, "-->>"] : [m.from, m.to, "-x"];
    const label = m.kind === "error" ? `${shortMethod(m.method)} ✗ code ${m.code}` : shortMethod(m.method);
    const prev = rows[rows.length - 1];
    if (prev && prev.from === from && prev.to === to && prev.label === label && prev.arrow === arrow) prev.count++;
    else rows.push({ from, to, label, arrow, count: 1, t: m.t });
  }
  const shown = rows.slice(0, limit);
  for (const r of shown) {
    id(r.from);
    id(r.to);
  }
  const out = ["sequenceDiagram", `  %% ${s.name} (${s.runtime}, seed ${s.seed})${o.model ? `, messages about ${o.model}` : ""}`];
  for (const [name, alias] of ids) out.push(`  participant ${alias} as ${escape(name)}`);
  for (const r of shown) out.push(`  ${ids.get(r.from)}${r.arrow}${ids.get(r.to)}: ${escape(`t=${r.t}ms ${r.label}${r.count > 1 ? ` ×${r.count}` : ""}`)}`);
  if (rows.length > shown.length && ids.size > 0) out.push(`  Note over ${[...ids.values()][0]}: ${rows.length - shown.length} more arrows not shown`);
  return `${out.join("\n")}\n`;
}

/** Mermaid's text ends at `;` and treats `#` as an entity start: keep labels to plain words. */
function escape(text: string): string {
  return text.replace(/[;#]/g, " ").replace(/[\r\n]+/g, " ");
}
