/**
 * The functions' grants, read from the synthesized template: the statements of each function role's
 * policies for the services emulated locally (iam.ts), with every deployment-specific part of their
 * ARNs as a `${Placeholder}`. `npm run generate:grants` writes them to iam-grants.generated.ts; the
 * infra tests fail when that file differs from what the current template gives.
 *
 * Anything the local evaluator would not understand (a Deny, another condition, a resource it cannot
 * name) fails the generation, rather than being enforced wrongly.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type CfnElement, Stack } from "aws-cdk-lib";
import { type FunctionId, functionIds } from "../../shared/contracts/functions.js";
import type { MomentsStack } from "../moments-stack.js";
import { ENFORCED_SERVICES, type FunctionGrants, type Grant } from "./iam.js";

export const GRANTS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "iam-grants.generated.ts");

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** `${name}`: a placeholder iam.ts substitutes with the deployment's value. */
const $ = (name: string) => `\${${name}}`;

const arnOf = (service: string, resource: string) =>
  `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`;

/** What `Fn::GetAtt [id, Arn]` / `Ref id` give for the resource types the grants name. */
const ATTRIBUTES: Record<string, { Arn?: string; Ref?: string }> = {
  "AWS::DynamoDB::GlobalTable": { Arn: arnOf("dynamodb", `table/${$("Table")}`) },
  "AWS::DynamoDB::Table": { Arn: arnOf("dynamodb", `table/${$("Table")}`) },
  "AWS::Events::EventBus": { Arn: arnOf("events", `event-bus/${$("EventBus")}`) },
  "AWS::StepFunctions::StateMachine": { Ref: arnOf("states", `stateMachine:${$("StateMachine")}`) },
  "AWS::SES::ConfigurationSet": { Ref: $("ConfigurationSet") },
};
const PSEUDO_PARAMETERS = new Set(["AWS::Partition", "AWS::Region", "AWS::AccountId"]);

const toList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every function's grants for the locally emulated services. `roles`: each function's role logical id. */
export function grantsFromTemplate(template: CfnTemplate, roles: Record<FunctionId, string>): FunctionGrants {
  const resources = template.Resources;
  // Named state machines appear by name inside ARNs the template joins (`...:execution:<name>:*`).
  const machineNames = Object.values(resources)
    .filter((r) => r.Type === "AWS::StepFunctions::StateMachine")
    .map((r) => r.Properties?.StateMachineName)
    .filter((name): name is string => typeof name === "string");

  const resolve = (value: unknown): string => {
    if (typeof value === "string") return value;
    if (typeof value === "object" && value !== null) {
      const intrinsic = value as Record<string, unknown>;
      if (typeof intrinsic.Ref === "string") {
        if (PSEUDO_PARAMETERS.has(intrinsic.Ref)) return $(intrinsic.Ref);
        const ref = ATTRIBUTES[resources[intrinsic.Ref]?.Type ?? ""]?.Ref;
        if (ref) return ref;
      }
      const getAtt = intrinsic["Fn::GetAtt"];
      if (Array.isArray(getAtt) && getAtt[1] === "Arn") {
        const arn = ATTRIBUTES[resources[String(getAtt[0])]?.Type ?? ""]?.Arn;
        if (arn) return arn;
      }
      const join = intrinsic["Fn::Join"];
      if (Array.isArray(join) && typeof join[0] === "string" && Array.isArray(join[1]))
        return (join[1] as unknown[]).map(resolve).join(join[0]);
    }
    throw new Error(
      `A grant names a resource the local runtime cannot resolve: ${JSON.stringify(value)} (teach infra/local/iam-template.ts)`,
    );
  };

  // After joining: the name sits inside the pieces of a joined ARN.
  const named = (arn: string) =>
    machineNames.reduce(
      (text, name) =>
        text
          .replaceAll(`:stateMachine:${name}`, `:stateMachine:${$("StateMachine")}`)
          .replaceAll(`:execution:${name}:`, `:execution:${$("StateMachine")}:`),
      arn,
    );

  const grantOf = (fn: FunctionId, statement: Statement): Grant | undefined => {
    const actions = toList(statement.Action).filter((action) =>
      (ENFORCED_SERVICES as readonly string[]).includes(action.split(":")[0] ?? ""),
    );
    if (actions.length === 0) return undefined;
    if (statement.Effect !== "Allow")
      throw new Error(`${fn}: a ${statement.Effect} statement; the local runtime evaluates Allow only`);
    const grant: Grant = { actions, resources: toList(statement.Resource).map((r) => named(resolve(r))) };
    for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
      const names = Object.keys(keys);
      const leadingKeys = keys["dynamodb:LeadingKeys"];
      if (operator !== "ForAllValues:StringLike" || names.length !== 1 || leadingKeys === undefined)
        throw new Error(
          `${fn}: condition ${operator} on ${names.join(", ")} is not evaluated locally (teach infra/local/iam.ts)`,
        );
      grant.leadingKeys = toList(leadingKeys as string | string[]);
    }
    return grant;
  };

  const policies = Object.values(resources).filter((r) => r.Type === "AWS::IAM::Policy");
  return Object.fromEntries(
    Object.entries(roles).map(([fn, roleId]) => {
      const statements = policies
        .filter((policy) =>
          toList(policy.Properties?.Roles as unknown[]).some(
            (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }),
          ),
        )
        .flatMap(
          (policy) =>
            (policy.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
        );
      return [fn, statements.flatMap((statement) => grantOf(fn as FunctionId, statement) ?? [])];
    }),
  ) as FunctionGrants;
}

/** Each function's role, by its logical id in the stack's template. */
export function roleLogicalIds(stack: MomentsStack): Record<FunctionId, string> {
  return Object.fromEntries(
    functionIds.map((fn) => {
      const role = stack.functions[fn].role;
      return [fn, Stack.of(role).getLogicalId(role.node.defaultChild as CfnElement)];
    }),
  ) as Record<FunctionId, string>;
}

/** The generated module's text. */
export function renderGrantsFile(grants: FunctionGrants): string {
  return [
    "/**",
    " * GENERATED by `npm run generate:grants` from the synthesized template (infra/local/iam-template.ts):",
    " * each function role's Allow statements for DynamoDB, Step Functions, EventBridge and SES, which the",
    " * local services enforce (iam.ts). Do not edit: change the grants in infra/, then regenerate.",
    " */",
    'import type { FunctionGrants } from "./iam.js";',
    "",
    `export const deployedGrants: FunctionGrants = ${JSON.stringify(grants, null, 2)};`,
    "",
  ].join("\n");
}

export function writeGrantsFile(grants: FunctionGrants): void {
  writeFileSync(GRANTS_FILE, renderGrantsFile(grants));
}
