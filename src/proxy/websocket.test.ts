import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { Upstreams } from "./upstreams.js";
import { forwardUpgrade } from "./websocket.js";

// forwardUpgrade between real loopback servers: a replica that resets connections as it is killed, a healthy one, a proxy.

let resetting: TcpServer;
let app: Server;
let proxy: Server;
const upstreams = new Upstreams();

before(async () => {
  // Accepts, then resets before any answer: a replica killed -9 while the kernel took the connection.
  resetting = createTcpServer((socket: Socket) => socket.once("data", () => socket.resetAndDestroy()));
  app = createServer();
  app.on("upgrade", (_request, socket: Socket) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    socket.end();
  });
  proxy = createServer();
  proxy.on("upgrade", (incoming, socket, head) =>
    forwardUpgrade(incoming, socket, head, {
      upstreams,
      pool: "pool",
      headers: { host: "ws.test", connection: "Upgrade", upgrade: "websocket" },
      upstreamTimeoutMs: 10_000,
      responseHeaders: {},
      onFinish: () => {},
    }),
  );
  const ports = await Promise.all([resetting, app, proxy].map(listen));
  // The resetting replica comes first in round robin.
  upstreams.switchTo({ pool: [{ host: "127.0.0.1", port: ports[0]! }, { host: "127.0.0.1", port: ports[1]! }] }, 0);
});

after(async () => {
  proxy.closeAllConnections();
  app.closeAllConnections();
  await Promise.all([resetting, app, proxy].map((server) => new Promise((resolve) => server.close(resolve))));
});

it("a websocket handshake reset by a dying replica before any answer goes to another replica", async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port: (proxy.address() as AddressInfo).port, path: "/socket", headers: { connection: "Upgrade", upgrade: "websocket" }, agent: false });
    outgoing.on("upgrade", (response, socket: Socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on("response", (response) => resolve(response.statusCode ?? 0));
    outgoing.on("error", reject);
    outgoing.end();
  });
  assert.equal(status, 101);
});

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}
