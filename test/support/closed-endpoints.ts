/**
 * Endpoints nothing listens on (ports just opened and closed), for tests that tell a request routed
 * elsewhere from one that went over HTTP (refused there). The ports are held open together before
 * being closed, so they are distinct: one opened and closed after another can get the same port.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export async function closedEndpoints(count: number): Promise<string[]> {
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
  }
  const endpoints = servers.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return endpoints;
}
