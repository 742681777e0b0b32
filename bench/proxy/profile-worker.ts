// One berth proxy worker on its own, for `--profile`: the same code the daemon forks
// (src/proxy/worker.ts), given its table directly instead of by IPC, run under node --cpu-prof.
// SIGTERM exits through process.exit, so node writes the profile.
import type { ListenerSettings, ProxyTable } from "../../src/proxy/types.js";
import { runProxyWorker, type WorkerMessage } from "../../src/proxy/worker.js";

const settings = JSON.parse(process.env.BENCH_PROFILE_SETTINGS ?? "null") as ListenerSettings | null;
const table = JSON.parse(process.env.BENCH_PROFILE_TABLE ?? "null") as ProxyTable | null;
const staticCache = process.env.BENCH_PROFILE_STATIC_CACHE;
if (!settings || !table || !staticCache) {
  console.error("profile-worker: BENCH_PROFILE_SETTINGS, BENCH_PROFILE_TABLE and BENCH_PROFILE_STATIC_CACHE are required");
  process.exit(1);
}

process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));

// The worker asks its primary for the table over IPC; without IPC we answer by emitting the message it awaits.
await runProxyWorker(settings, staticCache, (report) => {
  if (report.type !== "want-table") return;
  const message: WorkerMessage = { type: "table", table, version: 1 };
  setImmediate(() => (process as NodeJS.EventEmitter).emit("message", message));
});
console.log(`profile worker ${process.pid} listening on ${settings.address}:${settings.httpPort}`);
