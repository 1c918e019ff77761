import { describe, expect, it } from "vitest";
import { goTrimSpace } from "../../src/core/goparse.ts";

describe("goTrimSpace, as Go's strings.TrimSpace", () => {
  it.each([
    [" sklearn ", "sklearn"],
    ["\t\nmlflow\r\n", "mlflow"],
    ["\u0085torch\u00a0", "torch"], // NEL and NBSP are space to Go
    ["\ufeffnumpy", "\ufeffnumpy"], // a byte-order mark is not (JS trim would drop it)
    ["in ner", "in ner"],
    ["", ""],
  ])("%j → %j", (input, want) => {
    expect(goTrimSpace(input)).toBe(want);
  });

  it("differs from String.prototype.trim exactly where Go does", () => {
    expect("\ufeffx".trim()).toBe("x");
    expect(goTrimSpace("\ufeffx")).toBe("\ufeffx");
    expect("\u0085x".trim()).toBe("\u0085x");
    expect(goTrimSpace("\u0085x")).toBe("x");
  });
});
