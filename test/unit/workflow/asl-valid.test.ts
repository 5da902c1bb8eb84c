/**
 * The state machine is valid Amazon States Language, checked by asl-validator (what
 * aws-local-stepfunctions runs). The local Step Functions compiles it without validating, to keep
 * the stack's start fast, so this is where an invalid edit to shared/contracts/workflow.ts is caught
 * before a deploy would refuse it.
 */
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { resolveSubstitutions, runWorkflowDefinition } from "../../../shared/contracts/workflow.js";

const resolved = () =>
  resolveSubstitutions(runWorkflowDefinition(), {
    ActionFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:moments-action",
    RunStateFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:moments-run-state",
  }) as unknown as StateMachineDefinition;

// As the service: ARNs and paths are checked too (the local stack's ARNs are well-formed).
const validate = (definition: StateMachineDefinition) => new StateMachine(definition);

describe("the run state machine's definition", () => {
  it("passes the Amazon States Language validator", () => {
    expect(() => validate(resolved())).not.toThrow();
  });

  it("would be refused if a state pointed at a state that does not exist", () => {
    const broken = structuredClone(resolved()) as unknown as { StartAt: string };
    broken.StartAt = "NoSuchState";
    expect(() => validate(broken as unknown as StateMachineDefinition)).toThrow();
  });
});
