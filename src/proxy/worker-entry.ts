// Entry of a proxy worker process, forked by the proxy process's ProxySupervisor (node:cluster).
import { runProxyWorker, type WorkerReport } from "./worker.js";

const settings = JSON.parse(process.env.BERTH_PROXY_SETTINGS ?? "{}");
const report = (message: WorkerReport) => process.send?.(message);
// No default: a predictable shared path (/tmp) would let another user plant files the proxy serves.
const staticCache = process.env.BERTH_PROXY_STATIC_CACHE;
if (!staticCache) throw new Error("BERTH_PROXY_STATIC_CACHE is not set; proxy workers are started by the berth proxy process");

runProxyWorker(settings, staticCache, report).then(
  () => report({ type: "listening" }),
  (error: Error) => {
    report({ type: "failed", message: error.message });
    process.exit(1);
  },
);
