import { html } from "../html.js";
import type { CertificateExpiry } from "../certificate-expiry.js";
import type { DiskUsage } from "../disk-usage.js";
import type { StackOverview } from "../stack-data.js";
import { formatBytes } from "../../util/format-bytes.js";
import { formatTime, renderPage, type PageChrome } from "./layout.js";

export function renderStacksPage(stacks: StackOverview[], chrome: PageChrome): string {
  const rows = stacks.map(
    (stack) => html`<tr data-stack="${stack.name}">
      <td><a href="/stacks/${encodeURIComponent(stack.name)}">${stack.name}</a></td>
      <td class="${stack.ready === stack.replicas && stack.replicas > 0 ? "ok" : "warn"}">${stack.ready}/${stack.replicas} ready</td>
      <td>${stack.services}</td>
      <td>${stack.lastRelease ? html`${stack.lastRelease.id} <span class="badge ${stack.lastRelease.status}">${stack.lastRelease.status}</span> <span class="dim">${formatTime(stack.lastRelease.createdAt)}</span>` : html`<span class="dim">no deploy yet (started with up)</span>`}</td>
      <td class="cert">${certificateCell(stack.certificate)}</td>
      <td class="disk">${diskCell("data", stack.disk.data)}${diskCell("logs", stack.disk.logs)}${diskCell("backups", stack.disk.backups)}</td>
      <td>${stack.problem ? html`<span class="error">${stack.problem}</span>` : html`<span class="dim">none</span>`}</td>
      <td class="dim">${stack.file}</td>
    </tr>`,
  );
  const body = html`<h1>Stacks</h1>
  ${
    stacks.length === 0
      ? html`<p class="empty">No stack is up on this host. Start one with <code>berth up -d</code>.</p>`
      : html`<table class="grid">
    <thead><tr><th>Stack</th><th>Replicas</th><th>Services</th><th>Last deploy</th><th>Certificate</th><th>Disk used</th><th>Problem</th><th>berth.yml</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>`
  }`;
  return renderPage({ title: "Stacks", page: "stacks", ...chrome, body });
}

function diskCell(what: string, usage: DiskUsage) {
  if (!usage.known) return html`<div>${what}: <span class="unknown">unknown (${usage.reason})</span></div>`;
  return html`<div>${what}: ${usage.partial ? "more than " : ""}${formatBytes(usage.bytes)}</div>`;
}

const DAY_MS = 24 * 3600_000;

function certificateCell(certificate: CertificateExpiry) {
  if (!certificate.known) return html`<span class="dim" title="${certificate.reason}">none</span>`;
  const days = Math.floor((Date.parse(certificate.notAfter) - Date.now()) / DAY_MS);
  const state = days < 0 ? "bad" : days < 14 ? "warn" : "ok";
  return html`<span class="${state}">${days < 0 ? "expired" : `${days} days left`}</span><div class="dim">${certificate.notAfter.slice(0, 10)}, ${certificate.source}</div>`;
}
