// Entry of a proxy worker process, forked by the daemon's ProxySupervisor (node:cluster).
import { runProxyWorker, type WorkerReport } from "./worker.js";

const settings = JSON.parse(process.env.BERTH_PROXY_SETTINGS ?? "{}");
const report = (message: WorkerReport) => process.send?.(message);

runProxyWorker(settings, process.env.BERTH_PROXY_STATIC_CACHE ?? "/tmp/berth-static").then(
  () => report({ type: "listening" }),
  (error: Error) => {
    report({ type: "failed", message: error.message });
    process.exit(1);
  },
);
