// The report page: draws the run document embedded in the file. No network access: the
// libraries it uses are embedded too (gzip + base64, unpacked with the browser's own
// DecompressionStream).
"use strict";
const doc = JSON.parse(document.getElementById("run-document").textContent);
const $ = (sel, root = document) => root.querySelector(sel);
const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
};
const fmtBytes = (s) => {
  let n = Number(s), u = 0;
  const units = ["B", "Ki", "Mi", "Gi", "Ti"];
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
  return `${Number.isInteger(n) ? n : n.toFixed(1)}${units[u]}`;
};
const secs = (t) => `${(t / 1000).toFixed(3)}s`;

async function loadLibrary(id) {
  const el = document.getElementById(id);
  if (!el) return false;
  const bytes = Uint8Array.from(atob(el.textContent.trim()), (c) => c.charCodeAt(0));
  const text = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  const script = document.createElement("script");
  script.textContent = text;
  document.head.append(script);
  return true;
}

let scenario = doc.scenarios[0];
let mermaidReady = null;
let renderCount = 0;

async function drawMermaid(box, text) {
  box.textContent = "drawing…";
  try {
    await mermaidReady;
    const { svg } = await window.mermaid.render(`m${renderCount++}`, text);
    box.innerHTML = svg;
  } catch (e) {
    box.textContent = `diagram could not be drawn: ${e && e.message ? e.message : e}`;
  }
}

function showScenario(s) {
  scenario = s;
  const main = $("#main");
  main.replaceChildren();
  main.append(expectations(s), topology(s), models(s), timelineSection(s), sequenceSection(s), logsSection(s));
}

function expectations(s) {
  const held = s.expectations.filter((e) => e.passed).length;
  return h("section", { id: "expectations" },
    h("h2", {}, h("span", { class: s.passed ? "pass" : "fail" }, s.passed ? "PASS" : "FAIL"), ` ${s.name} — ${held} of ${s.expectations.length} expectations hold`),
    s.description ? h("p", { class: "muted" }, s.description) : null,
    s.error ? h("p", { class: "fail" }, `error: ${s.error}`) : null,
    h("table", {}, h("tr", {}, h("th", {}, ""), h("th", {}, "expectation"), h("th", {}, "found instead"), h("th", {}, "where")),
      s.expectations.map((e) => h("tr", {},
        h("td", { class: e.passed ? "pass" : "fail" }, e.passed ? "✓" : "✗"),
        h("td", {}, e.description),
        h("td", {}, e.actual ?? ""),
        h("td", { class: "muted" }, `${e.origin.file.split("/").pop()}${e.origin.line !== null ? `:${e.origin.line}` : ""} ${e.origin.path}`)))));
}

const nodeId = (text) => "n" + text.replace(/[^A-Za-z0-9]/g, "_");

function topology(s) {
  const box = h("div", { class: "mermaid-box", id: "topology-diagram" });
  const lines = ["flowchart LR"];
  const byNs = new Map();
  for (const p of s.processes) (byNs.get(p.namespace) ?? byNs.set(p.namespace, []).get(p.namespace)).push(p);
  for (const [ns, procs] of byNs) {
    lines.push(`  subgraph ${nodeId("ns " + ns)}["namespace ${ns}"]`);
    const pods = new Map();
    for (const p of procs) (pods.get(p.pod) ?? pods.set(p.pod, []).get(p.pod)).push(p);
    for (const [pod, cs] of pods) {
      lines.push(`    subgraph ${nodeId("pod " + ns + "/" + pod)}["pod ${pod}"]`);
      for (const c of cs) lines.push(`      ${nodeId(c.id)}["${c.container}"]`);
      lines.push("    end");
    }
    lines.push("  end");
  }
  const known = new Set(s.processes.map((p) => p.id));
  const edges = new Map();
  for (const l of s.links) {
    const to = known.has(l.to) ? l.to : null;
    const key = `${l.from}\u0000${l.to}`;
    const e = edges.get(key) ?? { from: l.from, to: l.to, known: to !== null, calls: 0, failures: 0 };
    e.calls += l.calls; e.failures += l.failures; edges.set(key, e);
  }
  const linkStyles = [];
  let i = 0;
  for (const e of edges.values()) {
    if (!known.has(e.from)) continue;
    if (!e.known) lines.push(`  ${nodeId(e.to)}(["${e.to}"])`);
    const broken = e.failures > 0 && e.failures >= e.calls;
    lines.push(`  ${nodeId(e.from)} ${broken ? "-. ✗ every call failed .->" : "-->"} ${nodeId(e.to)}`);
    if (broken) linkStyles.push(`  linkStyle ${i} stroke:#c62828,stroke-width:2px,stroke-dasharray:4 4`);
    i++;
  }
  lines.push(...linkStyles);
  drawMermaid(box, lines.join("\n"));
  const capacity = h("table", { id: "capacity" }, h("tr", {}, h("th", {}, "server replica"), h("th", {}, "memory"), h("th", {}, "used / reserved / free"), h("th", {}, "loaded models")),
    s.servers.flatMap((srv) => srv.replicas.map((r) => {
      const total = Number(r.totalMemoryBytes), avail = Number(r.availableMemoryBytes), reserved = Number(r.reservedMemoryBytes);
      const used = Math.max(0, total - avail);
      const scale = Math.max(total, used + reserved, 1);
      const over = used + reserved > total;
      return h("tr", {},
        h("td", {}, `${srv.namespace}/${srv.name}/${r.idx}`),
        h("td", {}, `${fmtBytes(r.totalMemoryBytes)} total, ${fmtBytes(r.availableMemoryBytes)} available`),
        h("td", {}, h("div", { class: "bar", title: `used ${fmtBytes(used)}, reserved ${fmtBytes(reserved)}, available ${fmtBytes(avail)}${over ? " (over-committed)" : ""}` },
          h("div", { class: over ? "used over" : "used", style: `width:${(100 * used) / scale}%` }),
          h("div", { class: "reserved", style: `width:${(100 * reserved) / scale}%` }),
          h("div", { class: "free", style: `width:${(100 * Math.max(0, avail - reserved)) / scale}%` })),
          total === 0 ? h("span", { class: "fail" }, " reports no memory") : null),
        h("td", {}, String(r.loadedModels)));
    })));
  const pods = h("table", { id: "pods" }, h("tr", {}, ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "CONTAINERS"].map((c) => h("th", {}, c))),
    s.pods.map((p) => h("tr", {}, h("td", {}, p.namespace), h("td", {}, p.name), h("td", {}, p.ready),
      h("td", { class: p.status === "Running" ? "" : "fail" }, p.status), h("td", { class: p.restarts ? "warn" : "" }, String(p.restarts)),
      h("td", {}, p.containers.map((c) => `${c.name}${c.up ? "" : " (down)"}${c.restarts ? ` restarted ${c.restarts}×` : ""}${c.lastExit ? ` last ${c.lastExit}` : ""}`).join("; ")))));
  return h("section", { id: "topology" }, h("h2", {}, "Topology"), box, h("h3", {}, "Pods"), pods,
    h("p", { class: "legend muted" }, "capacity:", h("span", { style: "background:#4f7bd9" }), "used", h("span", { style: "background:#e2a33b" }), "reserved", h("span", { style: "background:#b9e2c4" }), "free", h("span", { style: "background:#c62828" }), "over-committed; dashed red edges: every call on that link failed"),
    s.servers.length ? capacity : h("p", { class: "muted" }, "No server replica is connected to any scheduler."));
}

function models(s) {
  const detail = h("div", { id: "model-detail" }, h("p", { class: "muted" }, "Click a model for its explanation matrix and decision history."));
  const rows = s.models.map((m) => {
    const tr = h("tr", { class: "model", "data-model": `${m.namespace}/${m.name}`, onclick: () => {
      for (const x of document.querySelectorAll("tr.model")) x.classList.remove("selected");
      tr.classList.add("selected");
      detail.replaceChildren(modelDetail(s, m));
    } },
      h("td", {}, m.namespace), h("td", {}, m.name), h("td", { class: m.ready ? "pass" : "fail" }, m.ready ? "True" : "False"),
      h("td", {}, String(m.desiredReplicas)), h("td", {}, String(m.availableReplicas)), h("td", {}, m.state), h("td", {}, m.diagnosis ? m.diagnosis.sentence : m.reason));
    return tr;
  });
  return h("section", { id: "models" }, h("h2", {}, "Models"),
    h("table", {}, h("tr", {}, ["NAMESPACE", "NAME", "READY", "DESIRED REPLICAS", "AVAILABLE REPLICAS", "STATE", "WHY"].map((c) => h("th", {}, c))), rows), detail);
}

function modelDetail(s, m) {
  const out = [h("h3", {}, `${m.namespace}/${m.name} — ${m.state}`)];
  if (m.diagnosis) {
    out.push(h("div", { class: "diagnosis", id: "diagnosis" }, m.diagnosis.sentence));
    if (m.diagnosis.fix) out.push(h("div", { class: "fix" }, `Fix: ${m.diagnosis.fix}`));
  }
  const last = m.decisions[m.decisions.length - 1];
  if (last) out.push(h("h4", {}, "Explanation matrix (last decision)"), matrix(last));
  else out.push(h("p", { class: "muted" }, "No scheduling decision was recorded for this model."));
  if (m.decisions.length) {
    out.push(h("h4", {}, `Decision history (${m.decisions.length})`),
      h("table", { id: "decision-history" }, h("tr", {}, h("th", {}, "t"), h("th", {}, "version"), h("th", {}, "outcome"), h("th", {}, "server / error"), h("th", {}, "")),
        m.decisions.map((d, i) => {
          const box = h("td", {});
          return h("tr", {}, h("td", {}, d.t === null ? "" : secs(d.t)), h("td", {}, String(d.version)), h("td", {}, d.outcome),
            h("td", {}, d.server ? `${d.server} replicas ${d.replicaIdxs.join(", ")}` : d.error ?? ""),
            h("td", {}, h("button", { onclick: () => box.replaceChildren(matrix(d)) }, `matrix #${i + 1}`), box));
        })));
  }
  return h("div", {}, out);
}

function matrix(d) {
  const servers = d.explanation.servers;
  if (!servers.length) return h("p", { class: "fail" }, "No server in the scheduler's snapshot: no Server's replica has connected to this namespace's scheduler.");
  const names = [];
  for (const s of servers) {
    for (const f of s.filters) if (!names.includes(f.name)) names.push(f.name);
    for (const r of s.replicas) for (const f of r.filters) if (!names.includes(f.name)) names.push(f.name);
  }
  const cols = [];
  for (const s of servers) {
    cols.push({ label: `server ${s.name}`, accepted: s.accepted, examined: true, filters: s.filters });
    for (const r of s.replicas) cols.push({ label: `${s.name} replica ${r.idx}`, accepted: r.accepted, examined: s.accepted, filters: r.filters });
  }
  const table = h("table", { class: "matrix" },
    h("tr", {}, h("th", {}, "filter"), cols.map((c) => h("th", { class: c.examined ? (c.accepted ? "pass" : "fail") : "skip" }, c.label, c.examined ? "" : " (not examined)"))),
    names.map((n) => h("tr", {}, h("td", {}, n), cols.map((c) => {
      const f = c.filters.find((x) => x.name === n);
      if (!f) return h("td", {});
      return f.pass ? h("td", { class: c.examined ? "ok" : "ok skip" }, "✓") : h("td", { class: c.examined ? "reject" : "skip", "data-filter": n }, f.reason);
    }))));
  const order = Object.entries(d.explanation.replicaOrder).map(([s, idxs]) => `${s}: ${idxs.join(", ") || "(none)"}`).join("; ");
  return h("div", {}, table, h("p", { class: "muted" }, `Server order: ${d.explanation.serverOrder.join(", ") || "(none)"}. Replica order: ${order || "(no accepted server)"}.`));
}

let timelineScale = 1;
function timelineSection(s) {
  const wrap = h("div", { id: "timeline-wrap" });
  const lanes = [...new Set(s.timeline.map((e) => e.lane))];
  const draw = () => {
    const end = Math.max(s.endMs, 1);
    const width = Math.max(800, 1000 * timelineScale);
    const left = 300, laneH = 22;
    const svgNs = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(svgNs, "svg");
    svg.setAttribute("width", String(left + width + 20));
    svg.setAttribute("height", String(lanes.length * laneH + 30));
    const add = (tag, attrs, text) => { const e = document.createElementNS(svgNs, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); if (text) e.textContent = text; svg.append(e); return e; };
    for (let k = 0; k <= 10; k++) { const x = left + (width * k) / 10; add("line", { x1: x, y1: 0, x2: x, y2: lanes.length * laneH, stroke: "#eee" }); add("text", { x, y: lanes.length * laneH + 14, "text-anchor": "middle" }, secs((end * k) / 10)); }
    lanes.forEach((l, i) => add("text", { x: 4, y: i * laneH + 15 }, l));
    const colour = { "grpc-error": "#c62828", lifecycle: "#6a1b9a", decision: "#e2a33b" };
    for (const e of s.timeline) {
      const c = add("circle", { class: "mark", cx: left + (width * e.t) / end, cy: lanes.indexOf(e.lane) * laneH + 11, r: 4, fill: colour[e.kind] ?? "#4f7bd9", "data-t": e.t });
      const title = document.createElementNS(svgNs, "title"); title.textContent = `${secs(e.t)} ${e.lane}: ${e.label}`; c.append(title);
    }
    wrap.replaceChildren(svg);
  };
  draw();
  const zoom = h("input", { type: "range", min: "1", max: "40", value: String(timelineScale), oninput: (ev) => { timelineScale = Number(ev.target.value); draw(); } });
  return h("section", { id: "timeline" }, h("h2", {}, "Timeline"), h("div", { class: "filters" }, h("label", {}, "zoom ", zoom),
    h("span", { class: "muted" }, "state changes, decisions (amber), restarts and exits (purple), gRPC errors (red); hover a point for details")), wrap);
}

/** Highlights the timeline points nearest a time and scrolls to them. */
function showOnTimeline(t) {
  const marks = [...document.querySelectorAll("#timeline .mark")];
  for (const m of marks) m.classList.remove("hl");
  let best = null;
  for (const m of marks) if (best === null || Math.abs(Number(m.dataset.t) - t) < Math.abs(Number(best.dataset.t) - t)) best = m;
  if (best) { best.classList.add("hl"); best.scrollIntoView({ block: "center", inline: "center" }); }
  $("#timeline").scrollIntoView();
}

function sequenceSection(s) {
  const box = h("div", { class: "mermaid-box", id: "sequence-diagram" });
  const model = h("select", {}, h("option", { value: "" }, "all models"), s.models.map((m) => h("option", { value: m.name }, m.name)));
  const linkKey = (m) => [m.from, m.to].sort().join(" ↔ ");
  const links = [...new Set(s.messages.map(linkKey))];
  const hidden = new Set();
  const checks = links.map((l) => h("label", {}, h("input", { type: "checkbox", checked: true, onchange: (ev) => { if (ev.target.checked) hidden.delete(l); else hidden.add(l); draw(); } }), ` ${l}`));
  const draw = () => {
    const name = model.value;
    const ms = s.messages.filter((m) => !hidden.has(linkKey(m)) && (!name || m.text.includes(`"${name}"`) || m.text.includes(`${name}:`)));
    const ids = new Map();
    const id = (n) => { if (!ids.has(n)) ids.set(n, `p${ids.size}`); return ids.get(n); };
    const rows = [];
    for (const m of ms) {
      const [from, to, arrow] = m.kind === "request" ? [m.from, m.to, "->>"] : m.kind === "response" ? [m.from, m.to, "-->>"] : [m.from, m.to, "-x"];
      const label = m.kind === "error" ? `${m.method.split("/").pop()} ✗ code ${m.code}` : m.method.split("/").pop();
      const prev = rows[rows.length - 1];
      if (prev && prev.from === from && prev.to === to && prev.label === label && prev.arrow === arrow) prev.count++;
      else rows.push({ from, to, label, arrow, count: 1, t: m.t });
    }
    const shown = rows.slice(0, 300);
    for (const r of shown) { id(r.from); id(r.to); }
    const text = ["sequenceDiagram", ...[...ids].map(([n, a]) => `  participant ${a} as ${n.replace(/[;#]/g, " ")}`),
      ...shown.map((r) => `  ${ids.get(r.from)}${r.arrow}${ids.get(r.to)}: t=${r.t}ms ${r.label}${r.count > 1 ? ` ×${r.count}` : ""}`)];
    if (rows.length > shown.length && ids.size) text.push(`  Note over p0: ${rows.length - shown.length} more arrows not shown`);
    if (!shown.length) { box.textContent = "No message matches."; return; }
    drawMermaid(box, text.join("\n"));
  };
  model.addEventListener("change", draw);
  draw();
  return h("section", { id: "sequence" }, h("h2", {}, "Message sequence"),
    h("div", { class: "filters" }, h("label", {}, "model ", model)),
    h("details", {}, h("summary", {}, "links shown"), h("div", { class: "filters" }, checks)), box);
}

function logsSection(s) {
  const comp = h("select", {}, h("option", { value: "" }, "all components"), [...new Set(s.logs.map((l) => l.role))].map((r) => h("option", { value: r }, r)));
  const level = h("select", {}, ["", "debug", "info", "warning", "error", "fatal"].map((l) => h("option", { value: l }, l ? `${l} and worse` : "all levels")));
  const text = h("input", { type: "search", placeholder: "model or text" });
  const list = h("div", { id: "log-lines" });
  const rank = { debug: 0, info: 1, warning: 2, error: 3, fatal: 4 };
  const draw = () => {
    const ls = s.logs.filter((l) => (!comp.value || l.role === comp.value) && (!level.value || (rank[l.level] ?? 0) >= rank[level.value]) && (!text.value || l.line.includes(text.value)));
    list.replaceChildren(...ls.slice(0, 2000).map((l) => h("div", { class: `log lv-${l.level}` },
      h("a", { href: "#timeline", onclick: (ev) => { ev.preventDefault(); showOnTimeline(l.t); } }, secs(l.t)), `[${l.namespace}/${l.pod}/${l.container}] ${l.line}`)));
    if (ls.length > 2000) list.append(h("p", { class: "muted" }, `${ls.length - 2000} more lines; narrow the filter`));
  };
  for (const el of [comp, level]) el.addEventListener("change", draw);
  text.addEventListener("input", draw);
  draw();
  return h("section", { id: "logs" }, h("h2", {}, "Logs"), h("div", { class: "filters" }, comp, level, text), list);
}

const picker = $("#scenario-picker");
if (doc.scenarios.length > 1) {
  for (const [i, s] of doc.scenarios.entries()) picker.append(h("option", { value: String(i) }, `${s.passed ? "PASS" : "FAIL"} ${s.name}`));
  picker.addEventListener("change", () => showScenario(doc.scenarios[Number(picker.value)]));
} else picker.remove();
mermaidReady = loadLibrary("lib-mermaid").then((ok) => { if (ok) window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", maxTextSize: 500000, sequence: { showSequenceNumbers: false } }); });
if (doc.scenarios.length) showScenario(doc.scenarios[0]);
else $("#main").append(h("p", {}, "No scenario in this run."));
