// Generated from the OpenAPI document by `npm run generate:api-types` (infra/console/api-types.ts).
// Do not edit: a unit test fails when this file differs from what the document generates.

export interface paths {
  "/health": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getHealth"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/openapi.json": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getOpenapiJson"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/events": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postEvents"];
    delete?: never;
    options: operations["optionsEvents"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/track": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postTrack"];
    delete?: never;
    options: operations["optionsTrack"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/identify": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postIdentify"];
    delete?: never;
    options: operations["optionsIdentify"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/group": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postGroup"];
    delete?: never;
    options: operations["optionsGroup"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/page": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postPage"];
    delete?: never;
    options: operations["optionsPage"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/screen": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postScreen"];
    delete?: never;
    options: operations["optionsScreen"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/alias": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postAlias"];
    delete?: never;
    options: operations["optionsAlias"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/batch": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postBatch"];
    delete?: never;
    options: operations["optionsBatch"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/import": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postImport"];
    delete?: never;
    options: operations["optionsImport"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/t": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postT"];
    delete?: never;
    options: operations["optionsT"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/i": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postI"];
    delete?: never;
    options: operations["optionsI"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/p": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postP"];
    delete?: never;
    options: operations["optionsP"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/s": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postS"];
    delete?: never;
    options: operations["optionsS"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/g": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postG"];
    delete?: never;
    options: operations["optionsG"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/a": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postA"];
    delete?: never;
    options: operations["optionsA"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/b": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postB"];
    delete?: never;
    options: operations["optionsB"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/projects/{writeKey}/settings": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getProjectsByWriteKeySettings"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/inbox": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getInbox"];
    put?: never;
    post?: never;
    delete?: never;
    options: operations["optionsInbox"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/inbox/{id}/read": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postInboxByIdRead"];
    delete?: never;
    options: operations["optionsInboxByIdRead"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/feedback": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postFeedback"];
    delete?: never;
    options: operations["optionsFeedback"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/inbox/{id}/dismiss": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postInboxByIdDismiss"];
    delete?: never;
    options: operations["optionsInboxByIdDismiss"];
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/widget.js": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getWidgetJs"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/widget.mjs": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getWidgetMjs"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/unsubscribe": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getUnsubscribe"];
    put?: never;
    post: operations["postUnsubscribe"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/moments": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminMoments"];
    put?: never;
    post: operations["postAdminMoments"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/moments/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminMomentsById"];
    put?: never;
    post?: never;
    delete: operations["deleteAdminMomentsById"];
    options?: never;
    head?: never;
    patch: operations["patchAdminMomentsById"];
    trace?: never;
  };
  "/v1/admin/moments/{id}/status": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postAdminMomentsByIdStatus"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/moments/{id}/duplicate": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postAdminMomentsByIdDuplicate"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/moments/{id}/accounts": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminMomentsByIdAccounts"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/moment-templates": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminMomentTemplates"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/moments/{id}/stats": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminMomentsByIdStats"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/moments/{id}/report": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminMomentsByIdReport"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/moments/{id}/feedback": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminMomentsByIdFeedback"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/moments/{id}/steps/{stepId}/test": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postAdminMomentsByIdStepsByStepIdTest"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/accounts/{accountId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminAccountsByAccountId"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/runs/{runId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminRunsByRunId"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/observed-events": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminObservedEvents"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/observed-events/{name}/promote": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postAdminObservedEventsByNamePromote"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sources": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminSources"];
    put?: never;
    post: operations["postAdminSources"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sources/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminSourcesById"];
    put?: never;
    post?: never;
    delete: operations["deleteAdminSourcesById"];
    options?: never;
    head?: never;
    patch: operations["patchAdminSourcesById"];
    trace?: never;
  };
  "/v1/admin/sources/{id}/identity-secret": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postAdminSourcesByIdIdentitySecret"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sources/{id}/debugger": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminSourcesByIdDebugger"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sources/{id}/write-keys": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminSourcesByIdWriteKeys"];
    put?: never;
    post: operations["postAdminSourcesByIdWriteKeys"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sources/{id}/write-keys/{keyId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: operations["deleteAdminSourcesByIdWriteKeysByKeyId"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/email-templates": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminEmailTemplates"];
    put?: never;
    post: operations["postAdminEmailTemplates"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/email-templates/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminEmailTemplatesById"];
    put?: never;
    post?: never;
    delete: operations["deleteAdminEmailTemplatesById"];
    options?: never;
    head?: never;
    patch: operations["patchAdminEmailTemplatesById"];
    trace?: never;
  };
  "/v1/admin/email-templates/{id}/preview": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postAdminEmailTemplatesByIdPreview"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/suppressions": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminSuppressions"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/suppressions/{address}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: operations["deleteAdminSuppressionsByAddress"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/integrations": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminIntegrations"];
    put?: never;
    post: operations["postAdminIntegrations"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/integrations/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminIntegrationsById"];
    put?: never;
    post?: never;
    delete: operations["deleteAdminIntegrationsById"];
    options?: never;
    head?: never;
    patch: operations["patchAdminIntegrationsById"];
    trace?: never;
  };
  "/v1/admin/integrations/{id}/slack/channels": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminIntegrationsByIdSlackChannels"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/admin-keys": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminAdminKeys"];
    put?: never;
    post: operations["postAdminAdminKeys"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/admin-keys/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: operations["deleteAdminAdminKeysById"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/workspace": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getAdminWorkspace"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch: operations["patchAdminWorkspace"];
    trace?: never;
  };
  "/v1/admin/workspaces": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postAdminWorkspaces"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/console": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getConsole"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/console/{proxy+}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations["getConsoleProxy"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/console/session": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postConsoleSession"];
    delete: operations["deleteConsoleSession"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/console/email-frame": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations["postConsoleEmailFrame"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}

export interface components {
  schemas: {
    ErrorBody: {
      code: string;
      message: string;
      details?: {
        path: string;
        message: string;
      }[];
    };
    Error: {
      error: components["schemas"]["ErrorBody"];
    };
    BatchResult: {
      accepted: {
        index: number;
        messageId: string;
      }[];
      rejected: {
        index: number;
        error: components["schemas"]["ErrorBody"];
      }[];
    };
    InboxItem: {
      id: string;
      kind: "notification" | "feedback_prompt";
      title?: string;
      body?: string;
      url?: string;
      question?: string;
      followUp?: string;
      createdAt: string;
      readAt?: string;
      answeredAt?: string;
      dismissedAt?: string;
      reaction?: "positive" | "neutral" | "frustrated";
      comment?: string;
    };
    FeedbackAnswer: {
      promptId: string;
      reaction: "positive" | "neutral" | "frustrated";
      comment?: string;
      answeredAt: string;
    };
    ListedMoment: {
      name: string;
      description: string;
      goal: "activate" | "convert" | "grow" | "recover" | "other";
      template: string;
      sourceIds: string[];
      actionsEnabled: boolean;
      samplingRate: number;
      start: {
        event: string;
        where?: components["schemas"]["Condition"][];
        unless?: {
          event: string;
          within: {
            amount: number;
            unit: "minutes" | "hours" | "days";
          };
        };
        key?: string;
      };
      end: {
        outcome: "success" | "failed";
        event?: string;
        where?: components["schemas"]["Condition"][];
        after?: {
          amount: number;
          unit: "minutes" | "hours" | "days";
        };
      }[];
      reentry: {
        policy: "once";
      } | {
        policy: "after_exit";
      } | {
        policy: "cooldown";
        cooldown: {
          amount: number;
          unit: "minutes" | "hours" | "days";
        };
      };
      steps: {
        id: string;
        name?: string;
        phase: "entry" | "completion" | "exit";
        delay: {
          amount: number;
          unit: "minutes" | "hours" | "days";
        };
        action: {
          type: "send_email";
          templateId: string;
          to?: string;
          replyTo?: string;
          cc?: string[];
        } | {
          type: "send_notification";
          title: string;
          body: string;
          url?: string;
        } | {
          type: "feedback_prompt";
          question: string;
          followUp?: string;
        } | {
          type: "send_slack";
          integrationId: string;
          channel?: string;
          text: string;
        } | {
          type: "create_attio_task";
          integrationId: string;
          content: string;
          deadline?: {
            amount: number;
            unit: "minutes" | "hours" | "days";
          };
          linkedRecord?: {
            object: string;
            recordId: string;
          };
          assigneeId?: string;
        } | {
          type: "send_webhook";
          method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS";
          url: string;
          headers?: unknown;
          body?: string;
          integrationId?: string;
        } | {
          type: "update_attribute";
          scope: "account" | "user";
          attribute: string;
          value: string | number | boolean | null;
        };
        onFailure?: "continue" | "fail_run";
        onMissing?: "empty" | "skip" | "fail";
      }[];
      timeFrame?: {
        from?: string;
        until?: string;
      };
      id: string;
      workspaceId: string;
      status: "draft" | "running" | "stopped" | "archived";
      version: number;
      runningSince?: string;
      createdAt: string;
      updatedAt: string;
      stats: components["schemas"]["HeadlineStats"];
      trend: {
        day: string;
        entered: number;
      }[];
    };
    Condition: {
      field: string;
      op: "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "contains" | "not_contains" | "starts_with" | "in" | "not_in" | "exists" | "not_exists";
      value?: (string | number | boolean | null) | (string | number | boolean | null)[];
    } | {
      any: components["schemas"]["Condition"][];
    };
    HeadlineStats: {
      entered: number;
      active: number;
      succeeded: number;
      failed: number;
      successRate: number | null;
      failedRate: number | null;
    };
    Moment: {
      name: string;
      description: string;
      goal: "activate" | "convert" | "grow" | "recover" | "other";
      template: string;
      sourceIds: string[];
      actionsEnabled: boolean;
      samplingRate: number;
      start: {
        event: string;
        where?: components["schemas"]["Condition"][];
        unless?: {
          event: string;
          within: {
            amount: number;
            unit: "minutes" | "hours" | "days";
          };
        };
        key?: string;
      };
      end: {
        outcome: "success" | "failed";
        event?: string;
        where?: components["schemas"]["Condition"][];
        after?: {
          amount: number;
          unit: "minutes" | "hours" | "days";
        };
      }[];
      reentry: {
        policy: "once";
      } | {
        policy: "after_exit";
      } | {
        policy: "cooldown";
        cooldown: {
          amount: number;
          unit: "minutes" | "hours" | "days";
        };
      };
      steps: {
        id: string;
        name?: string;
        phase: "entry" | "completion" | "exit";
        delay: {
          amount: number;
          unit: "minutes" | "hours" | "days";
        };
        action: {
          type: "send_email";
          templateId: string;
          to?: string;
          replyTo?: string;
          cc?: string[];
        } | {
          type: "send_notification";
          title: string;
          body: string;
          url?: string;
        } | {
          type: "feedback_prompt";
          question: string;
          followUp?: string;
        } | {
          type: "send_slack";
          integrationId: string;
          channel?: string;
          text: string;
        } | {
          type: "create_attio_task";
          integrationId: string;
          content: string;
          deadline?: {
            amount: number;
            unit: "minutes" | "hours" | "days";
          };
          linkedRecord?: {
            object: string;
            recordId: string;
          };
          assigneeId?: string;
        } | {
          type: "send_webhook";
          method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS";
          url: string;
          headers?: unknown;
          body?: string;
          integrationId?: string;
        } | {
          type: "update_attribute";
          scope: "account" | "user";
          attribute: string;
          value: string | number | boolean | null;
        };
        onFailure?: "continue" | "fail_run";
        onMissing?: "empty" | "skip" | "fail";
      }[];
      timeFrame?: {
        from?: string;
        until?: string;
      };
      id: string;
      workspaceId: string;
      status: "draft" | "running" | "stopped" | "archived";
      version: number;
      runningSince?: string;
      createdAt: string;
      updatedAt: string;
      allowedTransitions: components["schemas"]["StatusTransition"][];
      deletable: boolean;
      sourcesLocked: boolean;
      templateSettings: components["schemas"]["MomentTemplateSetting"][];
    };
    StatusTransition: {
      status: "draft" | "running" | "stopped" | "archived";
      label: string;
      effect: string;
      endsRuns: boolean;
      blockedBy?: string;
    };
    MomentTemplateSetting: {
      key: string;
      label: string;
      type: "duration";
      target: components["schemas"]["MomentTemplateSettingTarget"];
      path: string;
      value: {
        amount: number;
        unit: "minutes" | "hours" | "days";
      };
    };
    MomentTemplateSettingTarget: {
      at: "abandonment";
    } | {
      at: "cooldown";
    } | {
      at: "end_timeout";
      outcome: "success" | "failed";
    } | {
      at: "step_delay";
      stepId: string;
    };
    MomentTemplates: {
      items: {
        key: string;
        name: string;
        goal: "activate" | "convert" | "grow" | "recover" | "other";
        description: string;
        settings: {
          key: string;
          label: string;
          type: "duration";
          default: {
            amount: number;
            unit: "minutes" | "hours" | "days";
          };
        }[];
        moment: {
          name: string;
          description: string;
          goal: "activate" | "convert" | "grow" | "recover" | "other";
          template: string;
          sourceIds: string[];
          actionsEnabled: boolean;
          samplingRate: number;
          start: {
            event: string;
            where?: components["schemas"]["Condition"][];
            unless?: {
              event: string;
              within: {
                amount: number;
                unit: "minutes" | "hours" | "days";
              };
            };
            key?: string;
          };
          end: {
            outcome: "success" | "failed";
            event?: string;
            where?: components["schemas"]["Condition"][];
            after?: {
              amount: number;
              unit: "minutes" | "hours" | "days";
            };
          }[];
          reentry: {
            policy: "once";
          } | {
            policy: "after_exit";
          } | {
            policy: "cooldown";
            cooldown: {
              amount: number;
              unit: "minutes" | "hours" | "days";
            };
          };
          steps: {
            id: string;
            name?: string;
            phase: "entry" | "completion" | "exit";
            delay: {
              amount: number;
              unit: "minutes" | "hours" | "days";
            };
            action: {
              type: "send_email";
              templateId: string;
              to?: string;
              replyTo?: string;
              cc?: string[];
            } | {
              type: "send_notification";
              title: string;
              body: string;
              url?: string;
            } | {
              type: "feedback_prompt";
              question: string;
              followUp?: string;
            } | {
              type: "send_slack";
              integrationId: string;
              channel?: string;
              text: string;
            } | {
              type: "create_attio_task";
              integrationId: string;
              content: string;
              deadline?: {
                amount: number;
                unit: "minutes" | "hours" | "days";
              };
              linkedRecord?: {
                object: string;
                recordId: string;
              };
              assigneeId?: string;
            } | {
              type: "send_webhook";
              method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS";
              url: string;
              headers?: unknown;
              body?: string;
              integrationId?: string;
            } | {
              type: "update_attribute";
              scope: "account" | "user";
              attribute: string;
              value: string | number | boolean | null;
            };
            onFailure?: "continue" | "fail_run";
            onMissing?: "empty" | "skip" | "fail";
          }[];
          timeFrame?: {
            from?: string;
            until?: string;
          };
        };
      }[];
    };
    MomentStats: {
      momentId: string;
      entered: number;
      active: number;
      succeeded: number;
      failed: number;
      successRate: number | null;
      failedRate: number | null;
      stopped: number;
      completed: number;
      steps: {
        [key: string]: {
          executed: number;
          skipped: number;
          failed: number;
        };
      };
      feedback: {
        shown: number;
        answered: number;
        dismissed: number;
        positive: number;
        neutral: number;
        frustrated: number;
        responseRate: number | null;
      };
      feedbackSteps: {
        [key: string]: {
          shown: number;
          answered: number;
          dismissed: number;
          positive: number;
          neutral: number;
          frustrated: number;
          responseRate: number | null;
        };
      };
    };
    MomentReport: {
      momentId: string;
      bucket: "hour" | "day";
      from: string;
      to: string;
      totals: {
        entered: number;
        active: number;
        succeeded: number;
        failed: number;
        successRate: number | null;
        failedRate: number | null;
        stopped: number;
        completed: number;
      };
      series: {
        start: string;
        entered: number;
        succeeded: number;
        failed: number;
        stopped: number;
        completed: number;
        active: number;
      }[];
      ends: {
        success: ({
          rule: "event";
          event: string;
          count: number;
        } | {
          rule: "timeout" | "step_failed" | "execution_failed";
          count: number;
        })[];
        failed: ({
          rule: "event";
          event: string;
          count: number;
        } | {
          rule: "timeout" | "step_failed" | "execution_failed";
          count: number;
        })[];
      };
      steps: {
        stepId: string;
        executed: number;
        skipped: number;
        failed: number;
        skippedBy: {
          [key: string]: number;
        };
        failedBy: {
          [key: string]: number;
        };
      }[];
      feedback: {
        shown: number;
        answered: number;
        dismissed: number;
        positive: number;
        neutral: number;
        frustrated: number;
        responseRate: number | null;
        latestComments: {
          promptId: string;
          accountId: string;
          userId?: string;
          reaction: "positive" | "neutral" | "frustrated";
          comment: string;
          answeredAt: string;
        }[];
      };
    };
    MomentFeedbackAnswer: {
      promptId: string;
      accountId: string;
      userId?: string;
      reaction: "positive" | "neutral" | "frustrated";
      comment?: string;
      answeredAt: string;
    };
    TestStepResult: {
      stepId: string;
      action: string;
      dryRun: boolean;
      missing: string[];
      rendered?: {
        [key: string]: unknown;
      };
      outcome?: components["schemas"]["StepOutcome"];
      runId?: string;
    };
    StepOutcome: {
      status: "executed";
      detail?: {
        [key: string]: string;
      };
    } | {
      status: "skipped";
      reason: string;
    } | {
      status: "failed";
      reason: string;
    };
    Account: {
      accountId: string;
      traits: {
        [key: string]: unknown;
      };
      lastSeenAt?: string;
      recentEvents: {
        messageId: string;
        event: string;
        timestamp: string;
        receivedAt: string;
        sourceId: string;
        propertyNames: string[];
      }[];
      runs: {
        momentId: string;
        momentName: string;
        runKey?: string;
        runId: string;
        status: "active" | "completed" | "success" | "failed" | "stopped";
        startedAt: string;
        endedAt?: string;
      }[];
      decisions: components["schemas"]["Decision"][];
    };
    Decision: {
      reason: "started";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      runId: string;
    } | {
      reason: "ended_success";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      runId: string;
      rule?: string;
    } | {
      reason: "ended_failed";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      runId: string;
      rule?: string;
    } | {
      reason: "abandonment_armed";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      dueAt: string;
    } | {
      reason: "abandonment_not_armed";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      cause: "newer_trigger" | "unless_event";
    } | {
      reason: "abandonment_cancelled";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
    } | {
      reason: "filter_failed";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      condition: string;
      rule?: "start" | "end";
    } | {
      reason: "reentry_blocked";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      policy: "once" | "after_exit" | "cooldown";
      until?: string;
    } | {
      reason: "sampled_out";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      samplingRate: number;
    } | {
      reason: "moment_not_running";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      status: "draft" | "running" | "stopped" | "archived" | "deleted";
    } | {
      reason: "source_mismatch";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      sourceId: string;
    } | {
      reason: "already_active";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      runId?: string;
    } | {
      reason: "too_old";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      timestamp: string;
      maxAgeSeconds: number;
    } | {
      reason: "outside_time_frame";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
      from?: string;
      until?: string;
    } | {
      reason: "duplicate";
      momentId?: string;
      momentName?: string;
      runKey?: string;
      accountId: string;
      messageId: string;
      event: string;
      at: string;
      outcome: "started" | "ended" | "armed" | "cancelled" | "skipped";
      message: string;
    };
    Run: {
      runId: string;
      momentId: string;
      accountId: string;
      runKey?: string;
      status: "active" | "completed" | "success" | "failed" | "stopped";
      startedAt: string;
      endedAt?: string;
      endedBy?: string;
      trigger?: {
        event: string;
        messageId: string;
        timestamp: string;
      };
      steps: ({
        stepId: string;
        status: "claimed";
        claimedAt: string;
      } | {
        stepId: string;
        status: "executed" | "skipped" | "failed";
        outcome: components["schemas"]["StepOutcome"];
        recordedAt: string;
      })[];
      test?: true;
    };
    Source: {
      id: string;
      name: string;
      allowedDomains: string[];
      subject: "account" | "user";
      requireUserToken: boolean;
      identitySecretIssuedAt?: string;
      previousIdentitySecretValidUntil?: string;
      createdAt: string;
      updatedAt: string;
    };
    CreatedSource: {
      id: string;
      name: string;
      allowedDomains: string[];
      subject: "account" | "user";
      requireUserToken: boolean;
      identitySecretIssuedAt?: string;
      previousIdentitySecretValidUntil?: string;
      createdAt: string;
      updatedAt: string;
      writeKey: string;
      identitySecret: string;
    };
    IssuedIdentitySecret: {
      identitySecretIssuedAt?: string;
      previousIdentitySecretValidUntil?: string;
      identitySecret: string;
    };
    SourceDebugger: {
      counts: {
        accepted: number;
        rejected: number;
      };
      items: {
        verdict: "accepted" | "rejected";
        receivedAt: string;
        type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
        messageId?: string;
        accountId?: string;
        reason?: components["schemas"]["ErrorBody"];
        item: unknown;
        itemTruncated?: string;
      }[];
      nextCursor?: string;
      sampling: {
        until: string;
      };
    };
    ApiKey: {
      id: string;
      prefix: string;
      createdAt: string;
      lastUsedAt?: string;
      revokedAt?: string;
    };
    IssuedWriteKey: {
      id: string;
      prefix: string;
      createdAt: string;
      lastUsedAt?: string;
      revokedAt?: string;
      writeKey: string;
    };
    EmailTemplate: {
      id: string;
      name: string;
      from: string;
      subject: string;
      text: string;
      html?: string;
      createdAt: string;
      updatedAt: string;
    };
    EmailPreview: {
      from: string;
      subject: string;
      text: string;
      html?: string;
      missing: string[];
    };
    Integration: {
      id: string;
      name: string;
      createdAt: string;
      updatedAt: string;
      kind: "slack";
      webhookUrl: components["schemas"]["MaskedSecret"];
      botToken: components["schemas"]["MaskedSecret"];
    } | {
      id: string;
      name: string;
      createdAt: string;
      updatedAt: string;
      kind: "attio";
      accessToken: components["schemas"]["MaskedSecret"];
    } | {
      id: string;
      name: string;
      createdAt: string;
      updatedAt: string;
      kind: "webhook";
      signingSecret: {
        set: true;
        last4: string;
        value?: string;
      } | {
        set: false;
      };
    };
    MaskedSecret: {
      set: true;
      last4: string;
    } | {
      set: false;
    };
    IssuedAdminKey: {
      id: string;
      prefix: string;
      createdAt: string;
      lastUsedAt?: string;
      revokedAt?: string;
      adminKey: string;
    };
    Workspace: {
      id: string;
      name: string;
      createdAt: string;
    };
  };
}

export interface operations {
  getHealth: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            ok: true;
          };
        };
      };
    };
  };
  getOpenapiJson: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            [key: string]: unknown;
          };
        };
      };
    };
  };
  postEvents: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsEvents: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postTrack: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsTrack: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postIdentify: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsIdentify: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postGroup: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsGroup: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postPage: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsPage: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postScreen: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsScreen: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postAlias: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsAlias: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postBatch: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          batch: ({
            type: "track" | "identify" | "group" | "page" | "screen" | "alias";
            accountId?: string | null;
            userId?: string | null;
            anonymousId?: string | null;
            groupId?: string | null;
            previousId?: string | null;
            event?: string | null;
            name?: string | null;
            category?: string | null;
            properties?: unknown | null;
            traits?: unknown | null;
            userTraits?: unknown | null;
            context?: {
              groupId?: string | null;
              [key: string]: unknown;
            } | null;
            messageId?: string | null;
            timestamp?: string | null;
            originalTimestamp?: string | null;
            sentAt?: string | null;
          } | {
            [key: string]: unknown;
          })[];
          sentAt?: string;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["BatchResult"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsBatch: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postImport: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          batch: ({
            type: "track" | "identify" | "group" | "page" | "screen" | "alias";
            accountId?: string | null;
            userId?: string | null;
            anonymousId?: string | null;
            groupId?: string | null;
            previousId?: string | null;
            event?: string | null;
            name?: string | null;
            category?: string | null;
            properties?: unknown | null;
            traits?: unknown | null;
            userTraits?: unknown | null;
            context?: {
              groupId?: string | null;
              [key: string]: unknown;
            } | null;
            messageId?: string | null;
            timestamp?: string | null;
            originalTimestamp?: string | null;
            sentAt?: string | null;
          } | {
            [key: string]: unknown;
          })[];
          sentAt?: string;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["BatchResult"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsImport: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postT: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsT: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postI: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsI: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postP: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsP: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postS: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsS: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postG: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsG: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postA: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          type?: "track" | "identify" | "group" | "page" | "screen" | "alias";
          accountId?: string | null;
          userId?: string | null;
          anonymousId?: string | null;
          groupId?: string | null;
          previousId?: string | null;
          event?: string | null;
          name?: string | null;
          category?: string | null;
          properties?: unknown | null;
          traits?: unknown | null;
          userTraits?: unknown | null;
          context?: {
            groupId?: string | null;
            [key: string]: unknown;
          } | null;
          messageId?: string | null;
          timestamp?: string | null;
          originalTimestamp?: string | null;
          sentAt?: string | null;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            messageId: string;
            error?: components["schemas"]["ErrorBody"];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsA: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postB: {
    parameters: {
      query?: never;
      header?: {
        Origin?: string;
        "Content-Encoding"?: string;
        "X-Moments-User-Token"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          batch: ({
            type: "track" | "identify" | "group" | "page" | "screen" | "alias";
            accountId?: string | null;
            userId?: string | null;
            anonymousId?: string | null;
            groupId?: string | null;
            previousId?: string | null;
            event?: string | null;
            name?: string | null;
            category?: string | null;
            properties?: unknown | null;
            traits?: unknown | null;
            userTraits?: unknown | null;
            context?: {
              groupId?: string | null;
              [key: string]: unknown;
            } | null;
            messageId?: string | null;
            timestamp?: string | null;
            originalTimestamp?: string | null;
            sentAt?: string | null;
          } | {
            [key: string]: unknown;
          })[];
          sentAt?: string;
        };
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["BatchResult"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsB: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  getProjectsByWriteKeySettings: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        writeKey: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            integrations: {
              "Segment.io": {
                apiKey: string;
                apiHost: string;
                protocol: "http" | "https";
              };
            };
            plan: {
              [key: string]: unknown;
            };
            metrics: {
              sampleRate: number;
            };
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getInbox: {
    parameters: {
      query?: {
        accountId?: string;
        userId?: string;
        limit?: string;
        cursor?: string;
      };
      header?: {
        "X-Moments-User-Token"?: string;
        Origin?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: components["schemas"]["InboxItem"][];
            nextCursor?: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsInbox: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postInboxByIdRead: {
    parameters: {
      query?: {
        accountId?: string;
        userId?: string;
      };
      header?: {
        "X-Moments-User-Token"?: string;
        Origin?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["InboxItem"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsInboxByIdRead: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postFeedback: {
    parameters: {
      query?: {
        accountId?: string;
        userId?: string;
      };
      header?: {
        "X-Moments-User-Token"?: string;
        Origin?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          promptId: string;
          reaction: "positive" | "neutral" | "frustrated";
          comment?: string;
        };
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["FeedbackAnswer"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsFeedback: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  postInboxByIdDismiss: {
    parameters: {
      query?: {
        accountId?: string;
        userId?: string;
      };
      header?: {
        "X-Moments-User-Token"?: string;
        Origin?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["InboxItem"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  optionsInboxByIdDismiss: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  getWidgetJs: {
    parameters: {
      query?: {
        v?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "text/javascript": string;
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getWidgetMjs: {
    parameters: {
      query?: {
        v?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "text/javascript": string;
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getUnsubscribe: {
    parameters: {
      query?: {
        token?: string;
      };
      header?: {
        Accept?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            address: string;
            unsubscribed: boolean;
          };
          "text/html": string;
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postUnsubscribe: {
    parameters: {
      query?: {
        token?: string;
      };
      header?: {
        Accept?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            address: string;
            unsubscribed: boolean;
          };
          "text/html": string;
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminMoments: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
        goal?: string;
        status?: string;
        q?: string;
        groupBy?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: components["schemas"]["ListedMoment"][];
            nextCursor?: string;
          } | {
            groups: {
              goal: "activate" | "convert" | "grow" | "recover" | "other";
              items: components["schemas"]["ListedMoment"][];
            }[];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminMoments: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          name: string;
          description?: string;
          goal: "activate" | "convert" | "grow" | "recover" | "other";
          template?: string;
          sourceIds?: string[];
          actionsEnabled?: boolean;
          samplingRate?: number;
          start: {
            event: string;
            where?: components["schemas"]["Condition"][];
            unless?: {
              event: string;
              within: {
                amount: number;
                unit: "minutes" | "hours" | "days";
              };
            };
            key?: string;
          };
          end?: {
            outcome: "success" | "failed";
            event?: string;
            where?: components["schemas"]["Condition"][];
            after?: {
              amount: number;
              unit: "minutes" | "hours" | "days";
            };
          }[];
          reentry?: {
            policy: "once";
          } | {
            policy: "after_exit";
          } | {
            policy: "cooldown";
            cooldown: {
              amount: number;
              unit: "minutes" | "hours" | "days";
            };
          };
          steps?: {
            id: string;
            name?: string;
            phase?: "entry" | "completion" | "exit";
            delay?: {
              amount: number;
              unit: "minutes" | "hours" | "days";
            };
            action: {
              type: "send_email";
              templateId: string;
              to?: string;
              replyTo?: string;
              cc?: string[];
            } | {
              type: "send_notification";
              title: string;
              body: string;
              url?: string;
            } | {
              type: "feedback_prompt";
              question: string;
              followUp?: string;
            } | {
              type: "send_slack";
              integrationId: string;
              channel?: string;
              text: string;
            } | {
              type: "create_attio_task";
              integrationId: string;
              content: string;
              deadline?: {
                amount: number;
                unit: "minutes" | "hours" | "days";
              };
              linkedRecord?: {
                object: string;
                recordId: string;
              };
              assigneeId?: string;
            } | {
              type: "send_webhook";
              method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS";
              url: string;
              headers?: unknown;
              body?: string;
              integrationId?: string;
            } | {
              type: "update_attribute";
              scope: "account" | "user";
              attribute: string;
              value: string | number | boolean | null;
            };
            onFailure?: "continue" | "fail_run";
            onMissing?: "empty" | "skip" | "fail";
          }[];
          timeFrame?: {
            from?: string;
            until?: string;
          };
        } | {
          template: string;
          name: string;
          description?: string;
          goal?: "activate" | "convert" | "grow" | "recover" | "other";
          sourceIds?: string[];
          actionsEnabled?: boolean;
          samplingRate?: number;
          timeFrame?: {
            from?: string;
            until?: string;
          };
          settings?: {
            [key: string]: {
              amount: number;
              unit: "minutes" | "hours" | "days";
            };
          };
        };
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Moment"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminMomentsById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Moment"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteAdminMomentsById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  patchAdminMomentsById: {
    parameters: {
      query?: never;
      header?: {
        "If-Match"?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          [key: string]: unknown;
        };
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Moment"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      412: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      428: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminMomentsByIdStatus: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          status: "draft" | "running" | "stopped" | "archived";
        };
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Moment"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminMomentsByIdDuplicate: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Moment"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminMomentsByIdAccounts: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
        status?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: {
              accountId: string;
              status: "active" | "completed" | "success" | "failed" | "stopped";
              runId: string;
              startedAt: string;
              endedAt?: string;
            }[];
            nextCursor?: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminMomentTemplates: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MomentTemplates"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminMomentsByIdStats: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MomentStats"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminMomentsByIdReport: {
    parameters: {
      query?: {
        bucket?: string;
        from?: string;
        to?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MomentReport"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminMomentsByIdFeedback: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
        order?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: components["schemas"]["MomentFeedbackAnswer"][];
            nextCursor?: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminMomentsByIdStepsByStepIdTest: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
        stepId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          accountId?: string;
          userId?: string;
          traits?: unknown;
          userTraits?: unknown;
          event?: unknown;
          dryRun?: boolean;
        };
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["TestStepResult"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminAccountsByAccountId: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        accountId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Account"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminRunsByRunId: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        runId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Run"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminObservedEvents: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            nextCursor?: string;
            items: {
              name: string;
              count: number;
              firstSeenAt: string;
              lastSeenAt: string;
              sampleProperties: string[];
              usedBy: {
                momentId: string;
                name: string;
                status: "draft" | "running" | "stopped" | "archived";
              }[];
            }[];
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminObservedEventsByNamePromote: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Moment"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminSources: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: components["schemas"]["Source"][];
            nextCursor?: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminSources: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          name: string;
          allowedDomains?: string[];
          subject?: "account" | "user";
          requireUserToken?: boolean;
        };
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CreatedSource"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminSourcesById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Source"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteAdminSourcesById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  patchAdminSourcesById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          name?: string;
          allowedDomains?: string[];
          subject?: "account" | "user";
          requireUserToken?: boolean;
        };
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Source"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminSourcesByIdIdentitySecret: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["IssuedIdentitySecret"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminSourcesByIdDebugger: {
    parameters: {
      query?: {
        cursor?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SourceDebugger"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminSourcesByIdWriteKeys: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: components["schemas"]["ApiKey"][];
            nextCursor?: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminSourcesByIdWriteKeys: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["IssuedWriteKey"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteAdminSourcesByIdWriteKeysByKeyId: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
        keyId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminEmailTemplates: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: components["schemas"]["EmailTemplate"][];
            nextCursor?: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminEmailTemplates: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          name: string;
          from: string;
          subject: string;
          text: string;
          html?: string;
        };
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["EmailTemplate"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminEmailTemplatesById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["EmailTemplate"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteAdminEmailTemplatesById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  patchAdminEmailTemplatesById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          name?: string;
          from?: string;
          subject?: string;
          text?: string;
          html?: string | null;
        };
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["EmailTemplate"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminEmailTemplatesByIdPreview: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          accountId?: string;
          traits?: unknown;
          event?: unknown;
          edits?: {
            name?: string;
            from?: string;
            subject?: string;
            text?: string;
            html?: string | null;
          };
        };
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["EmailPreview"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminSuppressions: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: {
              address: string;
              reason: "unsubscribed" | "bounced" | "complained";
              suppressedAt: string;
              detail?: string;
            }[];
            nextCursor?: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteAdminSuppressionsByAddress: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        address: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminIntegrations: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: components["schemas"]["Integration"][];
            nextCursor?: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminIntegrations: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          kind: "slack";
          name: string;
          webhookUrl?: unknown & unknown;
          botToken?: unknown & unknown;
        } | {
          kind: "attio";
          name: string;
          accessToken: string;
        } | {
          kind: "webhook";
          name: string;
          signingSecret?: string;
        };
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Integration"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminIntegrationsById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Integration"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteAdminIntegrationsById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  patchAdminIntegrationsById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          name?: string;
          webhookUrl?: unknown & unknown;
          botToken?: unknown & unknown;
        } | {
          name?: string;
          accessToken?: string;
        } | {
          name?: string;
          signingSecret?: string;
        };
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Integration"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminIntegrationsByIdSlackChannels: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: {
              id: string;
              name: string;
              isMember: boolean;
            }[];
            truncated?: boolean;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminAdminKeys: {
    parameters: {
      query?: {
        limit?: string;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            items: components["schemas"]["ApiKey"][];
            nextCursor?: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminAdminKeys: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["IssuedAdminKey"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteAdminAdminKeysById: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getAdminWorkspace: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Workspace"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  patchAdminWorkspace: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          name: string;
        };
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Workspace"];
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postAdminWorkspaces: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          name: string;
        };
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            workspace: components["schemas"]["Workspace"];
            adminKey: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getConsole: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "text/html": string;
        };
      };
    };
  };
  getConsoleProxy: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "text/html": string;
          "text/javascript": string;
          "text/css": string;
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postConsoleSession: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": {
          adminKey: string;
        };
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            workspaceId: string;
            endsAt: string;
          };
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteConsoleSession: {
    parameters: {
      query?: never;
      header?: {
        "x-moments-console"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  postConsoleEmailFrame: {
    parameters: {
      query?: never;
      header?: {
        "Content-Type"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "text/html": string;
        };
      };
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
}
