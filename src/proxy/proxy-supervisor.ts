import cluster, { type Worker } from "node:cluster";
import { fileURLToPath } from "node:url";
import type { Logger } from "../util/logger.js";
import type { ProxyWorkerStatus } from "./proxy-control.js";
import type { WorkerMessage, WorkerReport } from "./worker.js";
import type { ListenerSettings, ProxyTable } from "./types.js";

const WORKER_ENTRY = fileURLToPath(new URL("./worker-entry.js", import.meta.url));
const WORKER_RESTART_DELAY_MS = 200;
/** Workers close their listeners and drain; one still busy after this is killed. */
const WORKER_STOP_TIMEOUT_MS = 30_000;

/**
 * The cluster primary of the proxy process: runs the proxy in worker processes (one per core,
 * sharing the listening sockets), so the hot path uses every core and a crashing worker never
 * takes the others down. A worker, first or restarted, asks for the current table and listens
 * only once it routes by it.
 */
export class ProxySupervisor {
  private table: ProxyTable = { sites: [], pools: {}, acmeChallenges: {} };
  private tableJson = JSON.stringify(this.table);
  private version = 0;
  private readonly workers = new Set<Worker>();
  private readonly appliedVersion = new Map<Worker, number>();
  private appliedWaiters: (() => boolean)[] = [];
  private stopping = false;
  private lastDrainId = 0;

  constructor(
    readonly settings: ListenerSettings,
    private readonly staticCacheDir: string,
    private readonly logger: Logger,
  ) {}

  /** Starts the workers and resolves once all of them listen; rejects (e.g. port in use) otherwise. */
  async start(): Promise<void> {
    // Each worker accepts on the shared socket itself instead of the primary handing connections over.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: WORKER_ENTRY, silent: false });
    await Promise.all(Array.from({ length: this.settings.workers }, () => this.startWorker()));
    this.logger.info("proxy listening", {
      address: this.settings.address,
      http: this.settings.httpPort,
      https: this.settings.httpsPort,
      workers: this.settings.workers,
    });
  }

  /** The table the workers route by now (a restarted daemon keeps the entries of stacks it has not adopted yet). */
  get currentTable(): ProxyTable {
    return this.table;
  }

  get tableVersion(): number {
    return this.version;
  }

  workerStatus(): ProxyWorkerStatus[] {
    return [...this.workers].map((worker) => ({ pid: worker.process.pid ?? 0, version: this.appliedVersion.get(worker) ?? -1 }));
  }

  /** Sends the table to every worker; resolves with its version once each live worker confirmed it uses it. */
  async update(table: ProxyTable): Promise<number> {
    const json = JSON.stringify(table);
    if (json !== this.tableJson) {
      this.table = table;
      this.tableJson = json;
      this.version += 1;
      for (const worker of this.workers) this.sendTable(worker);
    }
    const version = this.version;
    await this.allApplied(version);
    return version;
  }

  /**
   * Resolves once no worker has a request or websocket on `targets` ("host:port" of replicas the
   * table no longer lists), each having closed what remained after `timeoutMs`.
   */
  async drain(targets: string[], timeoutMs: number): Promise<void> {
    const id = ++this.lastDrainId;
    await Promise.all(
      [...this.workers].filter((worker) => worker.isConnected()).map(
        (worker) =>
          new Promise<void>((resolve) => {
            const done = () => {
              worker.off("message", onMessage);
              worker.off("exit", done);
              resolve();
            };
            const onMessage = (report: WorkerReport) => {
              if (report.type === "drained" && report.id === id) done();
            };
            worker.on("message", onMessage);
            // A worker that exits has nothing left to drain.
            worker.once("exit", done);
            worker.send({ type: "drain", id, targets, timeoutMs } satisfies WorkerMessage);
          }),
      ),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            const killer = setTimeout(() => worker.process.kill("SIGKILL"), WORKER_STOP_TIMEOUT_MS);
            worker.once("exit", () => {
              clearTimeout(killer);
              resolve();
            });
            worker.process.kill("SIGTERM");
          }),
      ),
    );
  }

  private sendTable(worker: Worker): void {
    if (worker.isConnected()) worker.send({ type: "table", table: this.table, version: this.version } satisfies WorkerMessage);
  }

  private allApplied(version: number): Promise<void> {
    return new Promise((resolve) => {
      const settleIfApplied = () => {
        if (![...this.workers].every((worker) => !worker.isConnected() || (this.appliedVersion.get(worker) ?? -1) >= version)) return false;
        resolve();
        return true;
      };
      if (!settleIfApplied()) this.appliedWaiters.push(settleIfApplied);
    });
  }

  /** Waiters return true once settled; the rest keep waiting. */
  private notifyApplied(): void {
    this.appliedWaiters = this.appliedWaiters.filter((settleIfApplied) => !settleIfApplied());
  }

  private startWorker(): Promise<void> {
    const worker = cluster.fork({
      BERTH_PROXY_SETTINGS: JSON.stringify(this.settings),
      BERTH_PROXY_STATIC_CACHE: this.staticCacheDir,
    });
    this.workers.add(worker);
    let listening = false;
    const ready = new Promise<void>((resolve, reject) => {
      worker.on("message", (report: WorkerReport) => {
        if (report.type === "want-table") this.sendTable(worker);
        else if (report.type === "applied") {
          this.appliedVersion.set(worker, report.version);
          this.notifyApplied();
        } else if (report.type === "listening") {
          listening = true;
          resolve();
        } else if (report.type === "listen-failed") {
          this.logger.error("a stack's own port could not be opened", { stack: report.stack, port: report.port, error: report.message });
        } else if (report.type === "failed") reject(new Error(report.message));
      });
      worker.once("exit", () => reject(new Error("a proxy worker exited while starting")));
    });
    worker.once("exit", (code, signal) => {
      this.workers.delete(worker);
      this.appliedVersion.delete(worker);
      this.notifyApplied();
      // A worker that never listened (port taken, no permission) would fail again: the caller reports it instead.
      if (this.stopping || !listening) return;
      this.logger.warn("proxy worker exited, restarting", { pid: worker.process.pid, code, signal: signal ?? undefined });
      setTimeout(() => {
        if (!this.stopping) void this.startWorker().catch((error: Error) => this.logger.error("proxy worker failed to restart", { error: error.message }));
      }, WORKER_RESTART_DELAY_MS).unref();
    });
    return ready;
  }
}
