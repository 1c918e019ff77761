/**
 * The run as one self-contained HTML file: the run document, the page's script and style, and
 * the drawing library, all inside it (the library gzipped and base64-encoded), so the file opens
 * offline and fetches nothing.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import type { RunDocument } from "./document.ts";

const asset = (name: string): string => fs.readFileSync(new URL(`./page/${name}`, import.meta.url), "utf8");

let mermaidPacked: string | undefined;
/** Mermaid draws the topology and the message sequence; packed once per process. */
function mermaidLibrary(): string {
  if (mermaidPacked === undefined) {
    const file = createRequire(import.meta.url).resolve("mermaid/dist/mermaid.min.js");
    mermaidPacked = gzipSync(fs.readFileSync(file), { level: 9 }).toString("base64");
  }
  return mermaidPacked;
}

/** JSON inside a <script> element: nothing in it may close the element or open a comment. */
function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const escapeHtml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderHtml(doc: RunDocument): string {
  const passed = doc.scenarios.filter((s) => s.passed).length;
  const title = doc.scenarios.length === 1 ? doc.scenarios[0]!.name : `${doc.scenarios.length} scenarios`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>seldon-sim: ${escapeHtml(title)}</title>
<style>${asset("page.css")}</style>
</head><body>
<header><h1>seldon-sim run: ${escapeHtml(title)}</h1><div class="sub">${passed} of ${doc.scenarios.length} scenario(s) passed · <select id="scenario-picker"></select></div></header>
<nav><a href="#expectations">Expectations</a><a href="#topology">Topology</a><a href="#models">Models</a><a href="#timeline">Timeline</a><a href="#sequence">Message sequence</a><a href="#logs">Logs</a></nav>
<main id="main"></main>
<script type="application/json" id="run-document">${embedJson(doc)}</script>
<script type="application/octet-stream" id="lib-mermaid">${mermaidLibrary()}</script>
<script>${asset("page.js").replace(/<\/script/gi, "<\\/script")}</script>
</body></html>
`;
}
