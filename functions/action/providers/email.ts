import { DynamoEmailTemplateRepository } from "../../../shared/adapters/dynamodb/email-template-repository.js";
import {
  DynamoSuppressionList,
  DynamoUnsubscribeKeys,
} from "../../../shared/adapters/dynamodb/suppression-list.js";
import { sesClient } from "../../../shared/adapters/ses-client.js";
import { SesMailer } from "../../../shared/adapters/ses-mailer.js";
import type { ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import { emailPerformer } from "../../../shared/use-cases/actions/email.js";
import type { WiringContext } from "./context.js";

export function emailPerformers(context: WiringContext): ActionPerformers {
  return {
    send_email: emailPerformer({
      templates: new DynamoEmailTemplateRepository(context.db, context.tableName),
      mailer: new SesMailer(sesClient(context.tracer), context.sesConfigurationSet),
      suppressions: new DynamoSuppressionList(context.db, context.tableName),
      // One instance per cold start: it caches the workspace's signing keys between sends.
      unsubscribeKeys: new DynamoUnsubscribeKeys(context.db, context.tableName),
      publicApiUrl: context.publicApiUrl,
    }),
  };
}
