import {
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { StepFunctionsStarter } from "../../../shared/adapters/step-functions-starter.js";
import type { RunInput } from "../../../shared/contracts/workflow.js";
import { aRun } from "../../support/fakes.js";

const sfn = mockClient(SFNClient);
const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:moments-run";
const input: RunInput = {
  run: aRun({ runId: "0123456789abcdef0123456789abcdef01234567" }),
  steps: [{ id: "s1", delaySeconds: 3600, action: { type: "send_email", templateId: "t_1" } }],
};

function starter() {
  return new StepFunctionsStarter(new SFNClient({ region: "us-east-1" }), STATE_MACHINE);
}

beforeEach(() => {
  sfn.reset();
});

afterAll(() => {
  sfn.restore();
});

describe("StepFunctionsStarter", () => {
  it("starts an execution named by the run id, with the run as JSON input", async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:exec", startDate: new Date() });

    // Act
    const result = await starter().start(input);

    // Assess
    expect(result).toBe("started");
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: input.run.runId,
      input: JSON.stringify(input),
    });
  });

  it("answers already_started when an execution with that name exists", async () => {
    sfn.on(StartExecutionCommand).rejects(
      new ExecutionAlreadyExists({
        message: "Execution Already Exists",
        $metadata: { httpStatusCode: 400 },
      }),
    );

    await expect(starter().start(input)).resolves.toBe("already_started");
  });

  it("lets any other error propagate", async () => {
    const error = new StateMachineDoesNotExist({ message: "State Machine Does Not Exist", $metadata: {} });
    sfn.on(StartExecutionCommand).rejects(error);

    await expect(starter().start(input)).rejects.toBe(error);
  });

  it("lets throttling propagate so the event is redelivered", async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));

    await expect(starter().start(input)).rejects.toMatchObject({ name: "ThrottlingException" });
  });
});
