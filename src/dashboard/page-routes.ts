import type { Context, Hono, MiddlewareHandler } from "hono";
import type { StackManager } from "../daemon/stack-manager.js";
import { logFilesFor } from "../logs/list.js";
import { berthHome, stackPaths } from "../util/paths.js";
import type { ActionRunner } from "./action-runner.js";
import { daemonWarnings } from "./daemon-health.js";
import type { DashboardEnv } from "./guards.js";
import type { PageChrome } from "./views/layout.js";
import { accessLogPath, readTraffic } from "./traffic.js";
import type { UsageHistory } from "./usage-history.js";
import { isKnownStack, recentEvents, redactedReleases, stackDetail, stackOverviews } from "./stack-data.js";
import { backupRows, backupsDirectory } from "./backups.js";
import { previousRelease, releaseChanges } from "./release-diff.js";
import { renderReleaseDiffPage } from "./views/release-diff-page.js";
import { renderBackupsPage } from "./views/backups-page.js";
import { renderEventsPage } from "./views/events-page.js";
import { renderLogsPage } from "./views/logs-page.js";
import { renderReleasesPage } from "./views/releases-page.js";
import { renderStackPage } from "./views/stack-page.js";
import { renderStacksPage } from "./views/stacks-page.js";

const EVENTS_PAGE_LIMIT = 500;

export function registerPages(app: Hono<DashboardEnv>, manager: StackManager, actions: ActionRunner, usage: UsageHistory): void {
  const chrome = (c: Context<DashboardEnv>): PageChrome => ({ csrfToken: c.get("session").csrfToken, warnings: daemonWarnings(manager) });
  app.get("/", async (c) => c.html(renderStacksPage(await stackOverviews(manager), chrome(c))));

  const knownStack: MiddlewareHandler<DashboardEnv> = async (c, next) => {
    const name = c.req.param("name") ?? "";
    if (!isKnownStack(manager, name)) return c.text(`no stack "${name}" is up on this host`, 404);
    await next();
  };
  app.use("/stacks/:name", knownStack);
  app.use("/stacks/:name/*", knownStack);

  app.get("/stacks/:name", async (c) => {
    const name = c.req.param("name");
    const traffic = await readTraffic(accessLogPath(name));
    return c.html(renderStackPage(await stackDetail(manager, name, 30), actions.recent(name), traffic, { history: usage, stack: name }, chrome(c)));
  });
  app.get("/stacks/:name/releases", (c) => {
    const name = c.req.param("name");
    return c.html(renderReleasesPage(name, redactedReleases(manager, name), chrome(c)));
  });
  app.get("/stacks/:name/releases/:id", async (c) => {
    const name = c.req.param("name");
    const releases = manager.releases(name);
    const release = releases.find((candidate) => candidate.id === c.req.param("id"));
    if (!release) return c.text(`no release ${c.req.param("id")} of ${name}`, 404);
    const against = previousRelease(releases, release);
    if (!against) return c.text(`${release.id} is the first kept release: there is nothing to compare it with`, 404);
    return c.html(renderReleaseDiffPage(name, await releaseChanges(name, release, against, manager.secretValues(name)), chrome(c)));
  });
  app.get("/stacks/:name/backups", async (c) => {
    const name = c.req.param("name");
    return c.html(renderBackupsPage(name, await backupRows(name), backupsDirectory(name), chrome(c)));
  });
  app.get("/stacks/:name/events", (c) => {
    const name = c.req.param("name");
    return c.html(renderEventsPage(name, recentEvents(manager, name, EVENTS_PAGE_LIMIT), chrome(c)));
  });
  app.get("/stacks/:name/logs", async (c) => {
    const name = c.req.param("name");
    const entries = await logFilesFor(stackPaths(name, berthHome()).logs);
    const sources = [...new Set(entries.flatMap((entry) => (entry.service === null ? [entry.label] : [entry.service, entry.label])))];
    return c.html(renderLogsPage(name, sources, c.req.query("source") ?? "", chrome(c)));
  });
}
