import { describe, expect, it } from "vitest";
import { isSampledIn, samplingBucket } from "../../../shared/domain/sampling.js";

const accounts = Array.from({ length: 10_000 }, (_, i) => `acct_${i}`);

function shareIn(rate: number, momentId: string, key?: string): number {
  return accounts.filter((account) => isSampledIn(rate, momentId, account, key)).length / accounts.length;
}

describe("isSampledIn", () => {
  it.each([
    ["0 samples nobody", 0, 0],
    ["100 samples everyone", 100, 1],
    ["a rate above 100 samples everyone", 150, 1],
    ["a negative rate samples nobody", -5, 0],
    ["NaN samples nobody", Number.NaN, 0],
  ] as const)("%s", (_description, rate, share) => {
    expect(shareIn(rate, "mom_1")).toBe(share);
  });

  it.each([
    ["1%", 1],
    ["12.5% (fractions allowed)", 12.5],
    ["30%", 30],
    ["50%", 50],
    ["90%", 90],
  ] as const)("samples %s of 10 000 accounts within 2 points", (_description, rate) => {
    expect(Math.abs(shareIn(rate, "mom_1") * 100 - rate)).toBeLessThanOrEqual(2);
  });

  it("spreads buckets evenly over [0, 100): each tenth holds 10% ± 1.5 points", () => {
    const deciles = new Array<number>(10).fill(0);
    for (const account of accounts) {
      const bucket = samplingBucket("mom_1", account);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(100);
      const decile = Math.floor(bucket / 10);
      deciles[decile] = (deciles[decile] ?? 0) + 1;
    }
    for (const count of deciles) expect(Math.abs(count / accounts.length - 0.1)).toBeLessThanOrEqual(0.015);
  });

  it("decides the same way every time (a retry cannot flip it)", () => {
    const first = accounts.map((account) => isSampledIn(30, "mom_1", account));
    const again = accounts.map((account) => isSampledIn(30, "mom_1", account));

    expect(again).toEqual(first);
  });

  it("only adds accounts when the rate is raised", () => {
    const at30 = accounts.filter((account) => isSampledIn(30, "mom_1", account));

    expect(at30.every((account) => isSampledIn(50, "mom_1", account))).toBe(true);
  });

  it("samples each moment independently: 30% of one and 30% of another overlap on about 9%", () => {
    const both = accounts.filter((a) => isSampledIn(30, "mom_1", a) && isSampledIn(30, "mom_2", a)).length;

    expect(Math.abs(both / accounts.length - 0.09)).toBeLessThanOrEqual(0.015);
  });

  it("splits by run key when one is given, and by account alone when not", () => {
    const perKey = ["cart_1", "cart_2", "cart_3", "cart_4", "cart_5", "cart_6", "cart_7", "cart_8"].map(
      (key) => samplingBucket("mom_1", "acct_1", key),
    );

    expect(new Set(perKey).size).toBe(perKey.length);
    expect(samplingBucket("mom_1", "acct_1")).toBe(samplingBucket("mom_1", "acct_1", undefined));
    expect(samplingBucket("mom_1", "acct_1")).not.toBe(samplingBucket("mom_1", "acct_1", ""));
  });

  it("cannot be fooled by ids that concatenate alike", () => {
    expect(samplingBucket("mom_1", "acct_12")).not.toBe(samplingBucket("mom_1acct", "_12"));
    expect(samplingBucket("ab", "c")).not.toBe(samplingBucket("a", "bc"));
  });
});
