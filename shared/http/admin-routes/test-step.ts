import { type TestStepDeps, testStep } from "../../use-cases/test-step.js";
import { json } from "../http-handler.js";
import type { AdminRoutes } from "./types.js";

/** Test sends of a moment's steps, under /v1/admin. */
export function testStepRoutes(deps: TestStepDeps): AdminRoutes {
  return {
    "POST /v1/admin/moments/{id}/steps/{stepId}/test": async (ws, req) =>
      json(200, await testStep(deps, ws, req.path.id ?? "", req.path.stepId ?? "", req.body)),
  };
}
