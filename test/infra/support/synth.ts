/**
 * Builds the Moments app the way infra/app.ts does, for template assertions. Each test file
 * synthesizes once (in beforeAll) and shares the result; NodejsFunction bundles with the local
 * esbuild, and the asset cache makes a second stack in the same file cheap.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, type CfnResource, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { MomentsStack, momentsStackConfig } from "../../../infra/moments-stack.js";

export interface SynthResult {
  app: App;
  stack: MomentsStack;
  template: Template;
}

export interface BuildOptions {
  /** Bundle the functions with esbuild (default). Off: placeholder code, for tests of other props. */
  bundle?: boolean;
}

/** A Moments stack in a fresh app, with `context` as `cdk -c key=value` would give it. */
export function buildMomentsApp(
  context: Record<string, string> = {},
  options: BuildOptions = {},
): { app: App; stack: MomentsStack } {
  const app = new App({
    // The CLI's own way to skip bundling (`cdk synth --exclusively` for other stacks).
    context: options.bundle === false ? { ...context, "aws:cdk:bundling-stacks": [] } : context,
    outdir: mkdtempSync(path.join(tmpdir(), "moments-cdk-")),
  });
  const { stackName, props } = momentsStackConfig(app.node);
  return { app, stack: new MomentsStack(app, stackName, props) };
}

export function synthMoments(context: Record<string, string> = {}, options: BuildOptions = {}): SynthResult {
  const { app, stack } = buildMomentsApp(context, options);
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id a construct's CloudFormation resource has in the template. */
export function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild ?? construct;
  return Stack.of(construct).getLogicalId(resource as CfnResource);
}

export const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
export const arnOf = (construct: IConstruct) => ({ "Fn::GetAtt": [logicalId(construct), "Arn"] });

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement of every inline policy attached to the role with this logical id. */
export function roleStatements(template: Template, roleLogicalId: string): PolicyStatement[] {
  const policies = template.findResources("AWS::IAM::Policy");
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatement[]);
}

export const actionsOf = (statement: PolicyStatement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: PolicyStatement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
