import { describe, expect, it } from "vitest";
import { ServerTable } from "../../src/scheduler/server-table.ts";
import { Server } from "../../src/scheduler/model.ts";

describe("ServerTable", () => {
  it("moves its layout whenever a server is added, replaced or deleted, and only then", () => {
    const table = new ServerTable();
    const a = new Server("a", true);
    table.set("a", a);
    expect(table.layout).toBe(1);
    table.set("a", a);
    expect(table.layout).toBe(1);
    table.set("a", new Server("a", true));
    expect(table.layout).toBe(2);
    expect(table.delete("b")).toBe(false);
    expect(table.layout).toBe(2);
    table.delete("a");
    expect(table.layout).toBe(3);
    table.clear();
    expect(table.layout).toBe(3);
    table.set("b", new Server("b", true));
    table.clear();
    expect(table.layout).toBe(5);
  });

  it("takes the entries it is built with, as a map does", () => {
    const a = new Server("a", true);
    const table = new ServerTable([["a", a]]);
    expect(table.get("a")).toBe(a);
    expect(table.layout).toBe(0);
    table.delete("a");
    expect(table.layout).toBe(1);
  });

  it("notes each touch with the server's new revision, in order", () => {
    const table = new ServerTable();
    const [a, b] = [new Server("a", true), new Server("b", true)];
    const since = table.touched.count;
    table.touch(a);
    table.touch(b);
    table.touch(a);
    expect([a.revision, b.revision]).toEqual([2, 1]);
    const seen: string[] = [];
    for (let t = since; t < table.touched.count; t++) seen.push(table.touched.at(t).name);
    expect(seen).toEqual(["a", "b", "a"]);
  });
});
