import { describe, expect, it } from "vitest";
import { humanDuration, kubectlTable, tabulate } from "../../src/controller/kubectl.ts";

describe("kubectl printing", () => {
  it.each([
    [0, "0s"], [-1500, "0s"], [-2500, "<invalid>"], [59_999, "59s"], [119_000, "119s"], [120_000, "2m"], [125_000, "2m5s"],
    [300_000, "5m"], [599_000, "9m59s"], [600_000, "10m"], [179 * 60_000, "179m"], [3 * 3600_000, "3h"],
    [3 * 3600_000 + 5 * 60_000, "3h5m"], [8 * 3600_000, "8h"], [47 * 3600_000, "47h"], [48 * 3600_000, "2d"],
    [50 * 3600_000, "2d2h"], [8 * 86400_000, "8d"], [730 * 86400_000, "2y"], [731 * 86400_000, "2y1d"], [9 * 365 * 86400_000, "9y"],
  ])("HumanDuration(%d ms) = %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it("aligns like kubectl's tab writer: min width 6, padding 3, last column unpadded", () => {
    expect(tabulate([["NAME", "A", "AGE"], ["x", "", "5m"]])).toBe("NAME   A     AGE\nx            5m\n");
  });

  it("prints kubectl's message for nothing, and NAMESPACE first for all namespaces", () => {
    expect(kubectlTable(["Name", "Age"], [], "financial-ml")).toBe("No resources found in financial-ml namespace.\n");
    expect(kubectlTable(["Name", "Age"], [], undefined)).toBe("No resources found\n");
    expect(kubectlTable(["Name", "Age"], [{ namespace: "ns", cells: ["m", "1s"] }], undefined)).toBe("NAMESPACE   NAME   AGE\nns          m      1s\n");
  });
});
