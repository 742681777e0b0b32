import { html, type SafeHtml } from "../html.js";

/** What every logged-in page carries besides its content. */
export interface PageChrome {
  csrfToken: string;
  warnings: string[];
}

export interface PageOptions {
  title: string;
  /** Which script part runs on the page (dashboard.js reads body[data-page]). */
  page: string;
  stack?: string;
  csrfToken?: string;
  /** The daemon is degraded: shown above every page. */
  warnings?: string[];
  body: SafeHtml;
}

export function renderPage(options: PageOptions): string {
  const nav = options.stack
    ? html`<nav class="tabs">
        <a href="/stacks/${encodeURIComponent(options.stack)}" class="${options.page === "stack" ? "current" : ""}">Replicas</a>
        <a href="/stacks/${encodeURIComponent(options.stack)}/logs" class="${options.page === "logs" ? "current" : ""}">Logs</a>
        <a href="/stacks/${encodeURIComponent(options.stack)}/releases" class="${options.page === "releases" ? "current" : ""}">Releases</a>
        <a href="/stacks/${encodeURIComponent(options.stack)}/backups" class="${options.page === "backups" ? "current" : ""}">Backups</a>
        <a href="/stacks/${encodeURIComponent(options.stack)}/events" class="${options.page === "events" ? "current" : ""}">Events</a>
      </nav>`
    : "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title} · berth</title>
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/dashboard.js" defer></script>
</head>
<body data-page="${options.page}" data-stack="${options.stack ?? ""}" data-csrf="${options.csrfToken ?? ""}">
<header class="top">
  <a class="brand" href="/">berth</a>
  ${options.stack ? html`<span class="crumb">/</span><a class="crumb" href="/stacks/${encodeURIComponent(options.stack)}">${options.stack}</a>` : ""}
  ${options.csrfToken ? html`<form method="post" action="/logout" class="logout"><input type="hidden" name="csrf" value="${options.csrfToken}"><button type="submit" class="link">log out</button></form>` : ""}
</header>
<main>
${(options.warnings ?? []).length > 0 ? html`<div class="degraded" role="alert"><b>The daemon is degraded:</b><ul>${(options.warnings ?? []).map((warning) => html`<li>${warning}</li>`)}</ul></div>` : ""}
${nav}
${options.body}
</main>
<dialog id="confirm">
  <form method="dialog">
    <p id="confirm-text"></p>
    <div class="buttons"><button value="cancel">Cancel</button> <button value="ok" class="primary" id="confirm-ok">Confirm</button></div>
  </form>
</dialog>
</body>
</html>`.text;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "-";
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${Math.floor(seconds % 60)}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`;
}

export function formatTime(iso: string): string {
  return iso.replace("T", " ").slice(0, 19) + " UTC";
}
