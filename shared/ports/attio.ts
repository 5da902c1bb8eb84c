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
  /**
   * The step's marker, which `content` ends with: a task carrying one can be found again with
   * findTask, so a create whose answer was lost is in doubt (an AmbiguousDeliveryError) rather than
   * `outcome_unknown`. Absent (a test send): nothing to look up.
   */
  marker?: string;
}

/** Where to look for a task: its linked record's tasks, or (none) the workspace's. */
export interface AttioTaskQuery {
  /** The marker the task's content carries. */
  marker: string;
  /** The record the task was linked to (its first): only that record's tasks are read. */
  linkedRecord?: { object: string; recordId: string };
  /** Tasks created before this are not read (the request was made after it). */
  since: Date;
}

/** What a lookup found: the task, certainly no such task, or no way to tell (Attio refused to list). */
export type AttioTaskLookup =
  | { status: "found"; taskId: string }
  | { status: "absent" }
  | { status: "unknown"; reason: string };

/** Attio's REST API as the create_attio_task action uses it. */
export interface AttioApi {
  /**
   * Creates one task. Attio has no idempotency key, so this never repeats a request whose outcome
   * it cannot know: it throws TransientDeliveryError when Attio did not create the task (not
   * reachable, 429, 503, 408), PermanentDeliveryError for a refusal, with Attio's error text, and,
   * when the request was sent and no clear answer came (a timeout, a lost connection, a 500 or a
   * gateway's 502/504), AmbiguousDeliveryError for a task with a marker (to be looked up with
   * findTask) or PermanentDeliveryError `outcome_unknown:` for one without. `taskId` is undefined
   * when Attio answered success with a body that could not be read.
   */
  createTask(accessToken: string, task: AttioTask): Promise<{ taskId: string | undefined }>;
  /**
   * `GET /v2/tasks`, newest first, for the task whose content carries `query.marker`, reading back
   * no further than `query.since` and a few pages. A read: what is worth asking again (429, 5xx,
   * no answer) throws TransientDeliveryError; Attio's refusals (a token without read access to
   * tasks) and too many tasks to read through are `unknown`.
   */
  findTask(accessToken: string, query: AttioTaskQuery): Promise<AttioTaskLookup>;
}
