import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidArn,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { executionArn, StepFunctionsController } from "../../../shared/adapters/step-functions-starter.js";
import { executionInputOf, finishInputOf, type RunInput } from "../../../shared/contracts/workflow.js";
import { aRun } from "../../support/fakes.js";

const sfn = mockClient(SFNClient);
const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:moments-run";
const input: RunInput = {
  run: aRun({ runId: "0123456789abcdef0123456789abcdef01234567" }),
  phase: "entry",
  steps: [{ id: "s1", delaySeconds: 3600, action: { type: "send_email", templateId: "t_1" } }],
  timeout: { seconds: 86_400, outcome: "failed" },
  completeWhenStepsDone: false,
};

function starter() {
  return new StepFunctionsController(new SFNClient({ region: "us-east-1" }), STATE_MACHINE);
}

beforeEach(() => {
  sfn.reset();
});

afterAll(() => {
  sfn.restore();
});

describe("StepFunctionsController: starting", () => {
  it("starts an execution named by the run id, with references only as its input (no step content)", async () => {
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
      input: JSON.stringify(executionInputOf(input)),
    });
    // The steps are pinned on the run's item: the input names them, nothing more.
    expect(calls[0]?.args[0].input.input).not.toMatch(/templateId|trigger|properties|actionsEnabled/);
  });

  it.each(["completion", "exit"] as const)(
    "starts the %s phase as the run's end execution, named <runId>-end",
    async (phase) => {
      // Prepare
      sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:exec", startDate: new Date() });
      const end: RunInput = {
        run: input.run,
        phase,
        steps: [{ id: "after", delaySeconds: 0, action: { type: "send_email", templateId: "t_2" } }],
        completeWhenStepsDone: false,
      };

      // Act
      const result = await starter().start(end);

      // Assess
      expect(result).toBe("started");
      expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
        stateMachineArn: STATE_MACHINE,
        name: `${input.run.runId}-end`,
        input: JSON.stringify(executionInputOf(end)),
      });
      // Execution names are 1-80 characters: a 40-character run id leaves room for the suffix.
      expect(`${input.run.runId}-end`.length).toBeLessThanOrEqual(80);
    },
  );

  it("answers already_started when an end execution with that name exists (a re-driven end)", async () => {
    sfn.on(StartExecutionCommand).rejects(
      new ExecutionAlreadyExists({
        message: "Execution Already Exists",
        $metadata: { httpStatusCode: 400 },
      }),
    );

    await expect(starter().start({ ...input, phase: "exit", completeWhenStepsDone: false })).resolves.toBe(
      "already_started",
    );
  });

  it("starts a run's finish execution, named <runId>-finish: one wake-up with the steps in doubt", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:exec", startDate: new Date() });

    expect(await starter().startFinish(input.run, ["hook"])).toBe("started");

    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: `${input.run.runId}-finish`,
      input: JSON.stringify(finishInputOf(input.run, ["hook"])),
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

describe("StepFunctionsController.stop", () => {
  const controller = () => new StepFunctionsController(new SFNClient({ region: "us-east-1" }), STATE_MACHINE);
  const RUN = "0123456789abcdef0123456789abcdef01234567";

  it("stops the execution named by the run id, its ARN derived from the state machine's", async () => {
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });

    await expect(controller().stop(RUN, "The moment was stopped")).resolves.toBe("stopped");

    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:moments-run:${RUN}`,
      cause: "The moment was stopped",
    });
  });

  it("stops only the entry execution: the end execution of the run is left to run its steps", async () => {
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });

    await controller().stop(RUN, "The run ended (success) by msg_9");

    const arns = sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn);
    expect(arns).toEqual([`arn:aws:states:us-east-1:123456789012:execution:moments-run:${RUN}`]);
  });

  it("bounds the cause to what StopExecution accepts", async () => {
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });

    await controller().stop(RUN, "x".repeat(40_000));

    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input.cause).toHaveLength(32_768);
  });

  it("answers not_running for an execution that does not exist (the run never got that far)", async () => {
    sfn
      .on(StopExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: "Execution Does Not Exist", $metadata: {} }));

    await expect(controller().stop(RUN, "stopped")).resolves.toBe("not_running");
  });

  it("answers not_running when the execution already finished", async () => {
    sfn
      .on(StopExecutionCommand)
      .rejects(
        Object.assign(new Error("Execution is not running: SUCCEEDED"), { name: "ValidationException" }),
      );

    await expect(controller().stop(RUN, "stopped")).resolves.toBe("not_running");
  });

  it("lets other errors propagate", async () => {
    const error = new InvalidArn({ message: "Invalid Arn", $metadata: {} });
    sfn.on(StopExecutionCommand).rejects(error);

    await expect(controller().stop(RUN, "stopped")).rejects.toBe(error);
  });

  it("lets throttling propagate", async () => {
    sfn
      .on(StopExecutionCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));

    await expect(controller().stop(RUN, "stopped")).rejects.toMatchObject({ name: "ThrottlingException" });
  });
});

describe("executionArn", () => {
  it("refuses something that is not a state machine ARN", () => {
    expect(() => executionArn("arn:aws:lambda:us-east-1:1:function:f", "run")).toThrow(/state machine ARN/);
  });
});
