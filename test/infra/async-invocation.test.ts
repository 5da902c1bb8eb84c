/**
 * Every rule with a Lambda target is in the asynchronous-invocation contract
 * (shared/contracts/async-invocation.ts), which the local runtime applies: the function's retries and
 * event age, the target's retry policy, and one dead-letter queue for both failure paths, alarmed as
 * the contract says. A rule added without it would be retried and dead-lettered on AWS but not
 * locally (or the other way round).
 */
import type { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import type { MomentsStack } from "../../infra/moments-stack.js";
import { lambdaRuleTargets } from "../../shared/contracts/async-invocation.js";
import { arnOf, logicalId, ref, sharedMoments } from "./support/synth.js";

const { template, stack }: { template: Template; stack: MomentsStack } = await sharedMoments();

const resources = (type: string) =>
  Object.entries(template.findResources(type)).map(([id, r]) => ({ id, props: r.Properties }));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

describe("the asynchronous-invocation contract", () => {
  const contracts = Object.values(lambdaRuleTargets);
  const functionArns = Object.values(stack.functions).map(({ function: fn }) => arnOf(fn));

  it("covers every rule target that is a Lambda function, and deploys each as the contract says", () => {
    const lambdaTargets = resources("AWS::Events::Rule").flatMap((rule) =>
      (rule.props.Targets as Array<Record<string, unknown>>)
        .filter((target) => functionArns.some((arn) => same(target.Arn, arn)))
        .map((target) => ({ rule: rule.id, target })),
    );
    expect(lambdaTargets.length).toBe(contracts.length);

    for (const contract of contracts) {
      const fn = stack.functions[contract.function].function;
      const matching = lambdaTargets.filter(({ target }) => same(target.Arn, arnOf(fn)));
      expect(matching, contract.rule).toHaveLength(1);
      const queues = stack.node.findAll().filter((c) => c.node.id === contract.deadLetterQueue);
      expect(queues, contract.deadLetterQueue).toHaveLength(1);
      const queueId = logicalId(queues[0] ?? fn);
      expect(matching[0]?.target).toMatchObject({
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [queueId, "Arn"] } },
        RetryPolicy: {
          MaximumEventAgeInSeconds: contract.targetRetryPolicy.maxEventAgeSeconds,
          MaximumRetryAttempts: contract.targetRetryPolicy.retryAttempts,
        },
      });
      const configs = resources("AWS::Lambda::EventInvokeConfig").filter((c) =>
        same(c.props.FunctionName, ref(fn)),
      );
      expect(configs.map((c) => c.props)).toEqual([
        {
          FunctionName: ref(fn),
          Qualifier: "$LATEST",
          MaximumRetryAttempts: contract.asyncInvoke.retryAttempts,
          MaximumEventAgeInSeconds: contract.asyncInvoke.maxEventAgeSeconds,
          DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queueId, "Arn"] } } },
        },
      ]);
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        AlarmDescription: contract.alarm.description,
        Namespace: "AWS/SQS",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }],
      });
    }
  });
});
