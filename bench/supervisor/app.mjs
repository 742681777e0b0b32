// The app both supervisors run in the benchmark: a tiny HTTP server on 127.0.0.1:$PORT that
// answers 200 on any path. The body says which process answered and when it started, so the
// benchmark can tell a restarted process from the one it killed and split a restart into
// "supervisor started a new process" and "the app booted":
//
//   ok pid=<pid> origin=<epoch ms when this node process started> listening=<epoch ms when it listened>
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

const origin = performance.timeOrigin;
let listening = 0;

const server = createServer((_request, response) => {
  response
    .writeHead(200, { "content-type": "text/plain", connection: "close" })
    .end(`ok pid=${process.pid} origin=${origin.toFixed(3)} listening=${listening.toFixed(3)}\n`);
});
server.listen(port, "127.0.0.1", () => {
  listening = performance.timeOrigin + performance.now();
  console.log(`listening on 127.0.0.1:${port} pid ${process.pid}`);
});
const shutdown = () => server.close(() => process.exit(0));
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
