import { describe, expect, it } from "vitest";
import { acceptedElsewhere, decidingEvidence, speaksFor } from "../../../shared/domain/step-evidence.js";

const sent = (attempt?: string) => ({ kind: "sent" as const, ...(attempt ? { attempt } : {}) });
const rejected = (attempt?: string) => ({ kind: "rejected" as const, ...(attempt ? { attempt } : {}) });

describe("speaksFor", () => {
  it("evidence of an attempt speaks for that attempt's claim only; untagged evidence for any", () => {
    expect(speaksFor("a-2", "a-2")).toBe(true);
    // The first send's evidence, come after a second attempt took the claim over.
    expect(speaksFor("a-1", "a-2")).toBe(false);
    // An email sent by the version before the tag: as before, any claim of the step.
    expect(speaksFor(undefined, "a-2")).toBe(true);
    expect(speaksFor(undefined, "")).toBe(true);
    // A claim from before claims carried an attempt ("") was never tagged on any email.
    expect(speaksFor("a-1", "")).toBe(false);
  });
});

describe("decidingEvidence", () => {
  it("a Reject prevails over a Send, in any order", () => {
    expect(decidingEvidence([sent(), rejected()])).toEqual(rejected());
    expect(decidingEvidence([rejected(), sent()])).toEqual(rejected());
    expect(decidingEvidence([])).toBeUndefined();
  });

  it("for an attempt: another attempt's Reject does not prevail over this attempt's Send", () => {
    const pieces = [rejected("a-1"), sent("a-2")];
    expect(decidingEvidence(pieces, "a-2")).toEqual(sent("a-2"));
    expect(decidingEvidence(pieces, "a-1")).toEqual(rejected("a-1"));
    // Without an attempt asked: every piece, as before.
    expect(decidingEvidence(pieces)).toEqual(rejected("a-1"));
  });

  it("for an attempt: only other attempts' evidence is none", () => {
    expect(decidingEvidence([sent("a-1"), rejected("a-1")], "a-2")).toBeUndefined();
  });

  it("for an attempt: untagged evidence (sent by the version before the tag) still speaks, and prevails as always", () => {
    expect(decidingEvidence([sent("a-2"), rejected()], "a-2")).toEqual(rejected());
    expect(decidingEvidence([sent(), rejected("a-1")], "a-2")).toEqual(sent());
  });
});

describe("acceptedElsewhere", () => {
  it("another attempt's Send that no Reject of that attempt retracts", () => {
    expect(acceptedElsewhere([sent("a-1")], "a-2")).toEqual(sent("a-1"));
    expect(acceptedElsewhere([sent("a-1"), rejected("a-1")], "a-2")).toBeUndefined();
    // Another attempt's Reject does not retract this one's Send.
    expect(acceptedElsewhere([sent("a-1"), rejected("a-3")], "a-2")).toEqual(sent("a-1"));
  });

  it("never the claim's own attempt, nor an untagged piece (those speak for it already)", () => {
    expect(acceptedElsewhere([sent("a-2")], "a-2")).toBeUndefined();
    expect(acceptedElsewhere([sent()], "a-2")).toBeUndefined();
    expect(acceptedElsewhere([], "a-2")).toBeUndefined();
  });
});
