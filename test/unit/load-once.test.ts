import { describe, expect, it } from "vitest";
import { loadOnce } from "../../shared/load-once.js";

describe("loadOnce", () => {
  it("loads on the first call only and shares the result", async () => {
    let loads = 0;
    const get = loadOnce(async () => ({ n: ++loads }));
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([get(), get()]);
    expect(await get()).toBe(a);
    expect(b).toBe(a);
    expect(loads).toBe(1);
  });

  it("tries again after a failed load, rather than failing every later call", async () => {
    let loads = 0;
    const get = loadOnce(async () => {
      loads++;
      if (loads === 1) throw new Error("import failed");
      return "loaded";
    });
    await expect(get()).rejects.toThrow("import failed");
    expect(await get()).toBe("loaded");
    expect(await get()).toBe("loaded");
    expect(loads).toBe(2);
  });
});
