/**
 * Adapters a function seldom needs, imported with their SDK client by their first call (lazyPort):
 * the matcher starts runs and publishes attribute changes for few events (an event no moment uses
 * needs neither), the action function reaches Step Functions only for steps in doubt and finishes,
 * the admin API for a few routes. A cold start of those functions loads neither client. (Run-state
 * keeps its client at init: there the split saved 20 KB and no measurable CPU.)
 */
import type { Tracer } from "@aws-lambda-powertools/tracer";
import { lazyPort } from "../load-once.js";
import type { EventBridgePublisher } from "./event-bridge-publisher.js";
import type { StepFunctionsController } from "./step-functions-starter.js";

export function lazyStepFunctionsController(stateMachineArn: string, tracer: Tracer | undefined) {
  return lazyPort<StepFunctionsController>(() =>
    import("./step-functions-starter.js").then((m) => m.stepFunctionsController(stateMachineArn, tracer)),
  );
}

export function lazyEventBridgePublisher(eventBusName: string, tracer: Tracer | undefined) {
  return lazyPort<EventBridgePublisher>(() =>
    import("./event-bridge-publisher.js").then((m) => m.eventBridgePublisher(eventBusName, tracer)),
  );
}
