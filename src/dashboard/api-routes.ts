import type { Hono } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { StackManager } from "../daemon/stack-manager.js";
import { UserError } from "../errors.js";
import { followLogs, logFilesFor, readLastLines, type LabeledLine, type LogSource } from "../logs/index.js";
import { berthHome, stackPaths } from "../util/paths.js";
import type { ActionRunner } from "./action-runner.js";
import type { DashboardEnv } from "./guards.js";
import { describeAction, parseActionRequest, runAction } from "./stack-actions.js";
import { isKnownStack, redact, redactEvent, redactedReleases, stackDetail, stackOverviews } from "./stack-data.js";
import { renderEventItem } from "./views/events.js";
import { renderReplicaRows } from "./views/replicas.js";
import { renderTraffic } from "./views/traffic.js";
import { accessLogPath, readTraffic } from "./traffic.js";
import type { UsageHistory } from "./usage-history.js";

/** How often an open stack page gets fresh replica rows (uptime, CPU, memory); events arrive at once. */
const STATE_INTERVAL_MS = 1_000;
const LOG_BACKLOG_LINES = 200;
/** The access log is read again at most this often per open page. */
const TRAFFIC_INTERVAL_MS = 5_000;

export function registerApi(app: Hono<DashboardEnv>, manager: StackManager, actions: ActionRunner, usage: UsageHistory): void {
  app.get("/api/stacks", async (c) => c.json(await stackOverviews(manager)));

  app.use("/api/stacks/:name/*", async (c, next) => {
    if (!isKnownStack(manager, c.req.param("name") ?? "")) return c.json({ error: `no stack "${c.req.param("name") ?? ""}" is up on this host` }, 404);
    await next();
  });
  app.get("/api/stacks/:name/processes", async (c) => {
    const detail = await stackDetail(manager, c.req.param("name"), 0);
    return c.json({ rows: detail.rows, problem: detail.rowsProblem });
  });
  app.get("/api/stacks/:name/releases", (c) => c.json(redactedReleases(manager, c.req.param("name"))));
  app.get("/api/stacks/:name/events", (c) => c.json(manager.events.recent(c.req.param("name")).map((event) => redactEvent(manager, event))));

  // The stack page's live feed: replica rows rendered by the same code as the first load.
  app.get("/api/stacks/:name/live", (c) => {
    const name = c.req.param("name");
    return streamSSE(c, async (stream) => {
      let sending = false;
      let trafficReadAt = 0;
      // Never throws: it runs from timers and journal callbacks, where a rejection would reach the daemon.
      const sendState = async () => {
        if (sending || stream.aborted) return;
        sending = true;
        try {
          const detail = await stackDetail(manager, name, 0);
          const state: Record<string, string> = { replicasHtml: renderReplicaRows(detail.rows, detail.rowsProblem, { history: usage, stack: name }).text };
          if (Date.now() - trafficReadAt >= TRAFFIC_INTERVAL_MS) {
            trafficReadAt = Date.now();
            state.trafficHtml = renderTraffic(await readTraffic(accessLogPath(name))).text;
          }
          await stream.writeSSE({ event: "state", data: JSON.stringify(state) });
        } catch {
          // the next tick tries again
        } finally {
          sending = false;
        }
      };
      const unsubscribe = manager.events.subscribe((event) => {
        if (event.stack !== name) return;
        void stream.writeSSE({ event: "event", data: JSON.stringify({ html: renderEventItem(redactEvent(manager, event)).text }) }).then(sendState);
      });
      const timer = setInterval(() => void sendState(), STATE_INTERVAL_MS);
      await sendState();
      await untilClosed(stream);
      clearInterval(timer);
      unsubscribe();
    });
  });

  // Live logs: the last lines, then every new one (replicas added meanwhile included), secrets cut out.
  app.get("/api/stacks/:name/logs/stream", (c) => {
    const name = c.req.param("name");
    const selector = c.req.query("source") || undefined;
    return streamSSE(c, async (stream) => {
      const sourcesNow = () => logSources(name, selector);
      const send = (line: LabeledLine) =>
        void stream.writeSSE({
          event: "line",
          data: JSON.stringify({ label: line.label, at: line.at.toISOString(), stream: line.stream, text: redact(manager, name, line.text) }),
        });
      await stream.writeSSE({ event: "reset", data: "{}" });
      const sources = await sourcesNow();
      const controller = new AbortController();
      stream.onAbort(() => controller.abort());
      // Follow first (from the files' ends), then read the backlog: no line falls between the two,
      // and one that lands in both is sent once.
      let held: LabeledLine[] | null = [];
      const following = followLogs(sources, (line) => (held ? held.push(line) : send(line)), controller.signal, { discoverSources: sourcesNow });
      const backlog = await readLastLines(sources, LOG_BACKLOG_LINES);
      const sent = new Set(backlog.map(lineKey));
      for (const line of backlog) send(line);
      for (const line of held) if (!sent.has(lineKey(line))) send(line);
      held = null;
      await stream.writeSSE({ event: "following", data: "{}" });
      await following.catch(() => {});
    });
  });

  app.post("/api/stacks/:name/actions", async (c) => {
    const name = c.req.param("name");
    let request;
    try {
      request = parseActionRequest(await c.req.json());
    } catch (error) {
      return c.json({ error: error instanceof UserError ? error.message : "expected a JSON action" }, 400);
    }
    const record = actions.start(name, describeAction(request), (progress) => runAction(manager, name, request, progress));
    return c.json(record, 202);
  });

  app.get("/api/actions/:id", (c) => {
    const record = actions.get(c.req.param("id"));
    return record ? c.json(record) : c.json({ error: "no such action" }, 404);
  });
  app.get("/api/actions/:id/stream", (c) => {
    const record = actions.get(c.req.param("id"));
    if (!record) return c.json({ error: "no such action" }, 404);
    return streamSSE(c, async (stream) => {
      // Written without awaiting, in order, so no progress line slips between the replay and the subscription.
      for (const line of record.progress) void stream.writeSSE({ event: "progress", data: JSON.stringify({ message: line.message }) });
      if (record.state !== "running") {
        await stream.writeSSE({ event: "done", data: JSON.stringify(record) });
        return;
      }
      await new Promise<void>((resolve) => {
        const unsubscribe = actions.subscribe(record.id, (update) => {
          if (update.type === "progress") void stream.writeSSE({ event: "progress", data: JSON.stringify({ message: update.message }) });
          else {
            void stream.writeSSE({ event: "done", data: JSON.stringify(update.record) }).then(() => resolve());
            unsubscribe();
          }
        });
        stream.onAbort(() => {
          unsubscribe();
          resolve();
        });
      });
    });
  });
}

async function logSources(stack: string, selector: string | undefined): Promise<LogSource[]> {
  const entries = await logFilesFor(stackPaths(stack, berthHome()).logs);
  return entries.filter((entry) => !selector || entry.label === selector || entry.service === selector);
}

function lineKey(line: LabeledLine): string {
  return `${line.label} ${line.at.toISOString()} ${line.stream} ${line.text}`;
}

function untilClosed(stream: SSEStreamingApi): Promise<void> {
  return new Promise((resolve) => {
    if (stream.aborted) return resolve();
    stream.onAbort(resolve);
  });
}
