// The app every peer of bench/deploy runs: a Node HTTP server on 127.0.0.1:$PORT.
//   GET /health  200 "ok"
//   GET /        200 "hello from $APP_VERSION"
// On SIGTERM or SIGINT (PM2's reload signal) it stops accepting, lets requests in flight finish
// (server.close also closes idle keep-alive connections) and exits. Extra argv is ignored: the
// benchmark passes a per-run marker so its cleanup can recognise its own processes.
import { createServer } from "node:http";

const version = process.env.APP_VERSION ?? "unknown";
const server = createServer((request, response) => {
  if (request.url === "/health") {
    response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    return;
  }
  response.writeHead(200, { "content-type": "text/plain" }).end(`hello from ${version}\n`);
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT), "127.0.0.1", () => {
  if (typeof process.send === "function") process.send("ready");
});
const shutdown = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 8_000).unref();
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
