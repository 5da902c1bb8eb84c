/**
 * Imported first by the local stack's functions thread when the bench runs (the stack's
 * `threadPreload`): its SDK clients are counted as the main thread's are, and their requests
 * relayed to the main thread's `requestLog` (see aws-requests.ts).
 */
import { relayToMainThread } from "../../infra/local/thread.js";
import { forwardFromThread } from "./aws-requests.js";

forwardFromThread(relayToMainThread);
