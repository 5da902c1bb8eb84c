import { describe, expect, it } from "vitest";
import { lazyPort, loadOnce } from "../../shared/load-once.js";

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

describe("lazyPort", () => {
  interface Port {
    greet(name: string): Promise<string>;
  }

  it("loads the adapter on the first method call, once, and calls it with its own this", async () => {
    let loads = 0;
    const port = lazyPort<Port>(async () => {
      loads++;
      return {
        prefix: "hello ",
        async greet(this: { prefix: string }, name: string) {
          return this.prefix + name;
        },
      };
    });
    expect(loads).toBe(0);
    // Awaiting the port itself loads nothing (it is not a thenable).
    expect(await port).toBe(port);
    expect(loads).toBe(0);
    expect(await port.greet("ada")).toBe("hello ada");
    expect(await port.greet("alan")).toBe("hello alan");
    expect(loads).toBe(1);
  });

  it("fails the call, not the function, when loading fails, and tries again", async () => {
    let loads = 0;
    const port = lazyPort<Port>(async () => {
      if (++loads === 1) throw new Error("import failed");
      return { greet: async (name: string) => name };
    });
    await expect(port.greet("x")).rejects.toThrow("import failed");
    expect(await port.greet("y")).toBe("y");
  });
});
