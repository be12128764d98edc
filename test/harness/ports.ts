// Free loopback ports, picked the way envtest does: let the kernel choose, then release the port
// for the process that will bind it. Another process could grab it in between; that window is short
// and the process that loses the race fails loudly (its log tail is in the error).
import { createServer } from "node:net";
import type { Server } from "node:net";

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** `count` distinct free ports on 127.0.0.1 (all held until every one is chosen, so no duplicates). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnAnyPort());
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("unexpected socket address");
      return address.port;
    });
  } finally {
    await Promise.all(servers.map(close));
  }
}
