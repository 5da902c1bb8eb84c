/**
 * The grants the local services enforce (infra/local/iam-grants.generated.ts) are the synthesized
 * template's: a grant changed in infra/ without regenerating fails here, so the local stack never
 * enforces anything but what `cdk deploy` would deploy.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CfnTemplate } from "../../infra/local/iam-template.js";
import {
  GRANTS_FILE,
  grantsFromTemplate,
  renderGrantsFile,
  roleLogicalIds,
} from "../../infra/local/iam-template.js";
import { sharedMoments } from "./support/synth.js";

// Top level, not a hook: the template is synthesized once per run and shared (see support/synth.ts).
const { template, stack } = await sharedMoments();

describe("the functions' grants the local stack enforces", () => {
  it("are the synthesized template's (run npm run generate:grants when this fails)", () => {
    const grants = grantsFromTemplate(template.toJSON() as CfnTemplate, roleLogicalIds(stack));
    expect(readFileSync(GRANTS_FILE, "utf8")).toBe(renderGrantsFile(grants));
    // What the local runtime relies on, read from the template: ingest's item writes are conditional.
    expect(grants.ingest.find((grant) => grant.leadingKeys)?.actions).toEqual([
      "dynamodb:UpdateItem",
      "dynamodb:BatchWriteItem",
    ]);
  });
});
