/**
 * `npm start` as a child process, for what only another process can show: a restart on the same
 * `MOMENTS_DATA_DIR` after Ctrl-C (SIGINT) or kill -9. Bounded: every wait has a deadline, and
 * `kill` is always safe to call in an afterAll.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { waitFor } from "./wait-for.js";

export interface StackProcess {
  apiUrl: string;
  inboxUrl: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Sends a signal; resolves with the exit code (null when killed by the signal) once it exited. */
  signal(signal: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** kill -9 unless it already exited. */
  kill(): Promise<void>;
}

export async function startStackProcess(
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<StackProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "infra/local/main.ts"], {
    env: {
      ...process.env,
      PORT: "0",
      MOMENTS_DEMO_PORT: "0",
      MOMENTS_LOG_LEVEL: "ERROR",
      // As every test's stack: other test files share the cores, and a niced back end would wait behind them.
      MOMENTS_BACK_END_NICE: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      exitCode = code;
      resolve(code);
    });
  });
  const signal = async (name: NodeJS.Signals, signalTimeoutMs = 60_000) => {
    if (exitCode === undefined) child.kill(name);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no exit ${signalTimeoutMs} ms after ${name}:\n${output}`)),
        signalTimeoutMs,
      );
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const kill = async () => {
    if (exitCode === undefined) await signal("SIGKILL");
  };
  try {
    const urls = await waitFor(
      () => {
        if (exitCode !== undefined) throw new Error(`exited with ${exitCode}`);
        const api = /^\s+API\s+(\S+)/m.exec(output)?.[1];
        const inbox = /^\s+Inbox\s+(\S+)/m.exec(output)?.[1];
        return api !== undefined && inbox !== undefined && { api, inbox };
      },
      { timeoutMs, intervalMs: 50, description: "npm start to print its URLs" },
    );
    return { apiUrl: urls.api, inboxUrl: urls.inbox, output: () => output, signal, kill };
  } catch (error) {
    await kill();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output}`);
  }
}
