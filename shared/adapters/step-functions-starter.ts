import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { RunInput } from "../contracts/workflow.js";
import type { WorkflowStarter } from "../ports/runs.js";

/**
 * Starts a run as a Standard execution named by its run id. Execution names are unique per state
 * machine for 90 days, so a second start of the same run is refused with ExecutionAlreadyExists
 * (or answered with the running execution when the input is identical): either way, one execution.
 */
export class StepFunctionsStarter implements WorkflowStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: RunInput) {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: input.run.runId,
          input: JSON.stringify(input),
        }),
      );
      return "started" as const;
    } catch (error) {
      if (error instanceof Error && error.name === "ExecutionAlreadyExists")
        return "already_started" as const;
      throw error;
    }
  }
}
