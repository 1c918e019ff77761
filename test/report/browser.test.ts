/**
 * The report as a person sees it: headless Chromium opens the report of a consultation
 * scenario, clicks the model that does not schedule, and reads why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { main } from "../../src/cli/main.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let browser: Browser;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seldon-sim-report-"));
const report = path.join(dir, "report.html");

beforeAll(async () => {
  const io = {
    stdout: () => {}, stderr: () => {}, cwd: process.cwd(),
    readFile: (p: string) => fs.readFileSync(p, "utf8"),
    writeFile: (p: string, c: string) => fs.writeFileSync(p, c),
  };
  expect(await main(["run", "scenarios/consultation/01-requirements-not-capabilities.yaml", "--html", report], io)).toBe(0);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
});

describe("the HTML report in a browser", () => {
  it("shows, on clicking the failing model, the rejecting filter and the missing capabilities, fetching nothing", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const fetched: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => {
      if (!/^(file|data|blob):/.test(r.url())) fetched.push(r.url());
    });
    await page.goto(pathToFileURL(report).href);
    await expect(page.locator("#expectations h2").textContent()).resolves.toContain("PASS");
    await page.click('tr.model[data-model="financial-ml/test-model-simple"]');
    const diagnosis = await page.locator("#diagnosis").textContent();
    expect(diagnosis).toContain("ServerRequirementsFilter rejects mlserver");
    expect(diagnosis).toContain("torch, numpy, scikit-learn");
    const rejecting = page.locator('td.reject[data-filter="ServerRequirementsFilter"]');
    await expect(rejecting.textContent()).resolves.toContain("model requirements [mlflow torch numpy scikit-learn]");
    await expect(page.locator("#decision-history tr").count()).resolves.toBeGreaterThan(1);
    // The diagrams are drawn by the embedded library.
    await page.waitForSelector("#sequence-diagram svg", { timeout: 30_000 });
    await page.waitForSelector("#topology-diagram svg", { timeout: 30_000 });
    await page.locator("#models").screenshot({ path: path.join(dir, "models.png") });
    expect(fs.statSync(path.join(dir, "models.png")).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
    expect(fetched).toEqual([]);
    await page.close();
  });

  it("filters the logs by component and level, and links a line to the timeline", async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(report).href);
    const all = await page.locator("#log-lines .log").count();
    await page.locator("#logs select").nth(1).selectOption("warning");
    const warnings = await page.locator("#log-lines .log").count();
    expect(warnings).toBeGreaterThan(0);
    expect(warnings).toBeLessThan(all);
    await page.locator("#log-lines .log a").first().click();
    await expect(page.locator("#timeline .mark.hl").count()).resolves.toBe(1);
    await page.close();
  });
});
