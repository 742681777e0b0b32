import { html } from "../html.js";
import type { ReleaseRecord } from "../../release/history.js";
import { renderDeployControl } from "./deploy-control.js";
import { formatDuration, formatTime, renderPage, type PageChrome } from "./layout.js";

export function renderReleasesPage(stack: string, releases: ReleaseRecord[], chrome: PageChrome): string {
  const rows = releases.map(
    (release) => html`<tr data-release="${release.id}">
      <td><code>${release.id}</code>${releases.some((other) => other.createdAt < release.createdAt) ? html` <a class="changes" href="/stacks/${encodeURIComponent(stack)}/releases/${encodeURIComponent(release.id)}">changes</a>` : ""}</td>
      <td><span class="badge ${release.status}">${release.status}</span></td>
      <td>${release.source}</td>
      <td>${formatTime(release.createdAt)}</td>
      <td>${release.user}</td>
      <td class="num">${release.durationMs === null ? "-" : formatDuration(release.durationMs / 1000)}</td>
      <td class="error">${release.error ?? ""}</td>
      <td>${release.status === "previous" || release.status === "rolled-back" ? html`<button disabled data-action="rollback" data-release="${release.id}">Roll back to this…</button>` : ""}</td>
    </tr>`,
  );
  const body = html`<h1>Releases</h1>
  ${renderDeployControl(releases)}
  <div id="action-progress" class="progress" hidden></div>
  ${
    releases.length === 0
      ? html`<p class="empty">No release yet: releases are made by <code>berth deploy</code>.</p>`
      : html`<table class="grid"><thead><tr><th>Release</th><th>Status</th><th>Source</th><th>Created</th><th>By</th><th>Took</th><th>Error</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
  }`;
  return renderPage({ title: `${stack} releases`, page: "releases", stack, ...chrome, body });
}

