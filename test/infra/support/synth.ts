/**
 * Builds the Moments app the way infra/app.ts does, for template assertions. The test files share one
 * synthesized template per run (`sharedMoments`): building the construct tree takes a second, synthesizing
 * it many more on a loaded machine, so the first file to need a template synthesizes it into a cache keyed
 * by every input (infra, shared code, lock file, context) and the others read it.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, type CfnResource, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { projectRoot } from "../../../infra/constructs/moments-function.js";
import { MomentsStack, momentsStackConfig } from "../../../infra/moments-stack.js";
import { waitFor } from "../../support/wait-for.js";

export interface SynthResult {
  app: App;
  stack: MomentsStack;
  template: Template;
}

export interface BuildOptions {
  /** Bundle the functions with esbuild (default). Off: placeholder code, for tests of other props. */
  bundle?: boolean;
  /** Deploy into this region (its partition then appears literally, e.g. aws-cn). Default: environment-agnostic. */
  region?: string;
  /**
   * Run aws-cdk-lib's built-in CloudFormation validation at synth (default, as `cdk synth` does). Its
   * rule engine (WebAssembly) takes some 7 s of CPU to start in each process that synthesizes, and
   * without the validateAgainstDefaultRules flag it only warns: cdk-nag.test.ts asserts its report is
   * empty for the app as infra/app.ts builds it; synths that serve other assertions turn it off.
   */
  cloudFormationValidation?: boolean;
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
    builtinCloudFormationValidation: options.cloudFormationValidation ?? true,
  });
  const { stackName, props } = momentsStackConfig(app.node);
  const env =
    options.region === undefined ? {} : { env: { region: options.region, account: "123456789012" } };
  return { app, stack: new MomentsStack(app, stackName, { ...props, ...env }) };
}

/** Everything a synthesized template depends on: the CDK app, all code it imports, the dependency versions. */
function inputsHash(context: Record<string, string>): string {
  const hash = createHash("sha256").update(JSON.stringify(context));
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith(".ts")) hash.update(full).update(readFileSync(full));
    }
  };
  for (const dir of ["infra", "shared", "functions"]) visit(path.join(projectRoot, dir));
  hash.update(readFileSync(path.join(projectRoot, "package-lock.json")));
  return hash.digest("hex").slice(0, 24);
}

const CACHE_DIR = path.join(projectRoot, "node_modules", ".cache", "moments-infra-tests");
/** A lock older than this belongs to a worker that died: take over. */
const STALE_LOCK_MS = 180_000;

/**
 * The Moments stack (construct tree, for logical ids) and its synthesized template (without bundling), the
 * template synthesized once per set of inputs and shared by every test file through an on-disk cache. Call it at
 * a test file's top level (`await`): collection has no hook timeout, so a slow first synth fails nothing.
 */
export async function sharedMoments(
  context: Record<string, string> = {},
  options: Pick<BuildOptions, "region"> = {},
): Promise<SynthResult> {
  // The template is what the callers assert on; its CloudFormation validation is cdk-nag.test.ts's.
  const { app, stack } = buildMomentsApp(context, {
    ...options,
    bundle: false,
    cloudFormationValidation: false,
  });
  const file = path.join(CACHE_DIR, `${inputsHash({ ...context, region: options.region ?? "" })}.json`);
  const lock = `${file}.lock`;
  mkdirSync(CACHE_DIR, { recursive: true });
  const synthesizeInto = () => {
    const template = Template.fromStack(stack);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(template.toJSON()));
    renameSync(temporary, file);
    // Templates of older inputs are never read again.
    for (const name of readdirSync(CACHE_DIR)) {
      const other = path.join(CACHE_DIR, name);
      if (other !== file && Date.now() - statSync(other).mtimeMs > 86_400_000) rmSync(other, { force: true });
    }
    return template;
  };
  if (existsSync(file))
    return { app, stack, template: Template.fromJSON(JSON.parse(readFileSync(file, "utf8"))) };
  let owner = false;
  try {
    closeSync(openSync(lock, "wx"));
    owner = true;
  } catch {
    const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - since > STALE_LOCK_MS) rmSync(lock, { force: true });
  }
  if (owner) {
    try {
      return { app, stack, template: synthesizeInto() };
    } finally {
      rmSync(lock, { force: true });
    }
  }
  // Another worker is synthesizing the same inputs: wait for its file, or do it ourselves if it gives up.
  await waitFor(() => existsSync(file) || !existsSync(lock), {
    timeoutMs: STALE_LOCK_MS,
    intervalMs: 200,
    description: "the shared synthesized template",
  });
  if (existsSync(file))
    return { app, stack, template: Template.fromJSON(JSON.parse(readFileSync(file, "utf8"))) };
  return { app, stack, template: synthesizeInto() };
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
