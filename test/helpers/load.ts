import { Agent, request as httpsRequest } from "node:https";

export interface LoadReport {
  requests: number;
  failures: number;
  failureSamples: string[];
  /** Response bodies seen, counted, so tests can tell which release answered. */
  bodies: Map<string, number>;
}

export interface LoadOptions {
  port: number;
  host: string;
  ca: string | Buffer;
  path?: string;
  concurrency?: number;
}

/**
 * Continuous load on loopback: `concurrency` keep-alive clients request in a loop until stopped.
 * Anything but a 200 counts as a failure. Bounded by `stop()` and a hard cap on requests.
 */
export function startLoad(options: LoadOptions): { stop: () => Promise<LoadReport>; peek: () => LoadReport } {
  const report: LoadReport = { requests: 0, failures: 0, failureSamples: [], bodies: new Map() };
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 4, ca: options.ca });
  const maxRequests = 200_000;
  let running = true;
  const once = () =>
    new Promise<void>((resolve) => {
      const request = httpsRequest(
        { host: "127.0.0.1", port: options.port, path: options.path ?? "/", servername: options.host, headers: { host: options.host }, agent },
        (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk) => (body += chunk));
          response.on("end", () => {
            report.requests += 1;
            if (response.statusCode !== 200) fail(`${response.statusCode} ${body.slice(0, 80)}`);
            else {
              const key = body.replace(/ pid=\d+/, "").trim();
              report.bodies.set(key, (report.bodies.get(key) ?? 0) + 1);
            }
            resolve();
          });
        },
      );
      request.setTimeout(20_000, () => request.destroy(new Error("timeout")));
      request.on("error", (error) => {
        report.requests += 1;
        fail(error.message);
        resolve();
      });
      request.end();
    });
  const fail = (sample: string) => {
    report.failures += 1;
    if (report.failureSamples.length < 5) report.failureSamples.push(sample);
  };
  const clients = Array.from({ length: options.concurrency ?? 4 }, async () => {
    while (running && report.requests < maxRequests) await once();
  });
  return {
    /** The report so far, while the load goes on. */
    peek: () => report,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      agent.destroy();
      return report;
    },
  };
}
