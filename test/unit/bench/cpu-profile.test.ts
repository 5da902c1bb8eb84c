/**
 * The CPU profile summary (test/bench/cpu-profile.ts) and the profiling flags the local runtime's
 * threads inherit: what the bench's account of the local stack's CPU per event is built on.
 */
import { describe, expect, it } from "vitest";
import { profilingFlags } from "../../../infra/local/thread.js";
import { componentsOf } from "../../bench/cpu-profile.js";

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url, lineNumber: 0 },
  children,
});

describe("componentsOf", () => {
  it("gives each busy sample to the innermost frame of a known component, and skips idle time", () => {
    const profile = {
      nodes: [
        frame(1, "(root)", "", [2, 6, 7]),
        frame(2, "send", "file:///app/node_modules/@smithy/core/dist-cjs/submodules/client/index.js", [3, 5]),
        frame(3, "signRequest", "file:///app/node_modules/@smithy/signature-v4/dist-cjs/index.js", [4]),
        // A Node internal under the signer: still the signer's.
        frame(4, "digest", "node:internal/crypto/hash"),
        frame(5, "writev", ""),
        frame(6, "(idle)", ""),
        frame(7, "(garbage collector)", ""),
      ],
      samples: [3, 4, 5, 2, 6, 7],
      timeDeltas: [1000, 1000, 1000, 1000, 5000, 1000],
    };
    const { busyMs, components } = componentsOf(profile);
    expect(busyMs).toBe(5);
    expect(Object.fromEntries(components.map((c) => [c.component, c.ms]))).toEqual({
      "SigV4 signing and payload hashing (SDK)": 2,
      "Node HTTP, sockets and streams": 1,
      "SDK middleware and the rest of the SDK": 1,
      "GC (on the thread itself)": 1,
    });
    expect(components[0]).toMatchObject({ component: "SigV4 signing and payload hashing (SDK)", share: 0.4 });
  });
});

describe("profilingFlags", () => {
  it("passes --cpu-prof and its options on to a thread, with their values, and nothing else", () => {
    expect(profilingFlags(["--import", "tsx", "--expose-gc"])).toEqual([]);
    expect(profilingFlags(["--cpu-prof", "--cpu-prof-dir=/tmp/p", "--import", "tsx"])).toEqual([
      "--cpu-prof",
      "--cpu-prof-dir=/tmp/p",
    ]);
    expect(profilingFlags(["--cpu-prof", "--cpu-prof-dir", "/tmp/p", "--expose-gc"])).toEqual([
      "--cpu-prof",
      "--cpu-prof-dir",
      "/tmp/p",
    ]);
  });
});
