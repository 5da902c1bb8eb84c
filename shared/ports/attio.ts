/** A task to create in Attio, rendered and checked: what `POST /v2/tasks` is sent. */
export interface AttioTask {
  /** Plain text (Attio accepts no other format for tasks), at most 2000 characters. */
  content: string;
  /** ISO 8601, or null for a task without a deadline. */
  deadlineAt: string | null;
  /** Records the task is about: `object` is the object's slug or id ("companies", "people"...). */
  linkedRecords: Array<{ object: string; recordId: string }>;
  /** Workspace-member ids the task is assigned to. */
  assigneeIds: string[];
}

/** Attio's REST API as the create_attio_task action uses it. */
export interface AttioApi {
  /**
   * Creates one task. Attio has no idempotency key, so this never repeats a request whose outcome
   * it cannot know: it throws TransientDeliveryError when Attio did not create the task (not
   * reachable, 429, 5xx), and PermanentDeliveryError otherwise: a refusal, with Attio's error text,
   * or `outcome_unknown:` when the request was sent and no answer came (a timeout, a lost
   * connection, a gateway timeout). `taskId` is undefined when Attio answered success with a body
   * that could not be read.
   */
  createTask(accessToken: string, task: AttioTask): Promise<{ taskId: string | undefined }>;
}
