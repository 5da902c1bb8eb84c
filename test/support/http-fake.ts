/** What every local fake of a provider's HTTP API needs: the request body, a port, a clean stop. */
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Listens on a free port of `host`; `stop` also drops open (kept-alive or stalled) connections. */
export async function listen(
  server: Server,
  host: string,
): Promise<{ port: number; stop: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
