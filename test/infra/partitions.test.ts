/**
 * The stack deploys in every partition: nothing in the template names `arn:aws:` literally (the state
 * machine's `lambda:invoke` integration included), so aws-cn and aws-us-gov get their own ARNs.
 */
import { describe, expect, it } from "vitest";
import { sharedMoments } from "./support/synth.js";

const partitions = [
  { partition: "aws-cn", region: "cn-north-1" },
  { partition: "aws-us-gov", region: "us-gov-west-1" },
];
// Top level, not a hook: see support/synth.ts.
const synthesized = await Promise.all(
  partitions.map(async (p) => ({ ...p, template: (await sharedMoments({}, { region: p.region })).template })),
);

describe.each(synthesized)("in $partition ($region)", ({ template }) => {
  const text = JSON.stringify(template.toJSON());

  it("names no ARN of the aws partition", () => {
    expect(text.match(/arn:aws:[^"]{0,60}/g) ?? []).toEqual([]);
  });

  it("invokes the task functions through this partition's Step Functions integration", () => {
    const machine = Object.values(template.findResources("AWS::StepFunctions::StateMachine"))[0];
    const definition = String(machine?.Properties.DefinitionString);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Step Functions definition substitution, not JS.
    expect(definition).toContain('"arn:${Partition}:states:::lambda:invoke"');
    expect(definition).not.toContain("arn:aws:");
    // Resolved by CloudFormation in the region deployed to, so one template serves every partition.
    expect(machine?.Properties.DefinitionSubstitutions.Partition).toEqual({ Ref: "AWS::Partition" });
  });
});
