// The upstream all three proxies forward to in `npm run bench:proxy`: a plain Node HTTP server on
// 127.0.0.1:$PORT, one process, answering every request with 200 and a short fixed body
// (keep-alive, Content-Length, no per-request allocation beyond what node:http does itself).
// berth runs it as its stack's only service; nginx and Caddy forward to the same port.
import { createServer } from "node:http";

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

const BODY = Buffer.from("hello from the bench upstream\n");
const HEADERS = { "content-type": "text/plain; charset=utf-8", "content-length": String(BODY.length) };

const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  // Drain any request body so the connection can be reused.
  request.resume();
  response.writeHead(200, HEADERS).end(BODY);
});
server.listen(port, "127.0.0.1", () => console.log(`bench upstream listening on 127.0.0.1:${port} pid ${process.pid}`));
const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
