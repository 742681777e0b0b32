import type { ProcessRow } from "../../daemon/stack-manager.js";
import { formatBytes } from "../../util/format-bytes.js";
import { html, type SafeHtml } from "../html.js";
import { usageUnknownReason } from "../stack-data.js";
import type { UsageHistory } from "../usage-history.js";
import { formatDuration } from "./layout.js";
import { renderSparkline } from "./sparkline.js";

/** The replicas table body: rendered here for the first load and for every live update alike. */
export function renderReplicaRows(rows: ProcessRow[] | null, problem: string | null, usage?: { history: UsageHistory; stack: string }): SafeHtml {
  const now = Date.now();
  if (rows === null) return html`<tr><td colspan="9" class="error">Replicas unknown: ${problem ?? "the daemon did not answer"}</td></tr>`;
  if (rows.length === 0) return html`<tr><td colspan="9" class="dim">No replica runs (every service is stopped or scaled to 0).</td></tr>`;
  return html`${rows.map((row) => {
    const unknown = usageUnknownReason(row);
    const samples = usage ? usage.history.samples(`${usage.stack}/${row.service}.${row.replica}`, now) : [];
    const cpuPoints = samples.flatMap((sample) => (sample.cpuPercent === null ? [] : [{ at: sample.at, value: sample.cpuPercent }]));
    const memoryPoints = samples.map((sample) => ({ at: sample.at, value: sample.memoryBytes }));
    const peak = (values: number[]) => Math.max(0, ...values);
    const cpuTitle = `CPU over the last hour (sampled every 15 s since the dashboard started); peak ${peak(cpuPoints.map((point) => point.value)).toFixed(1)}%`;
    const memoryTitle = `memory over the last hour; peak ${formatBytes(peak(memoryPoints.map((point) => point.value)))}`;
    return html`<tr data-replica="${row.service}.${row.replica}">
      <td>${row.service}.${row.replica}</td>
      <td class="state ${stateClass(row.status)}">${row.status}</td>
      <td class="health ${healthClass(row.health)}">${row.health === "none" ? "no check" : row.health}</td>
      <td class="num">${row.restarts}</td>
      <td class="num">${formatDuration(row.uptimeSeconds)}</td>
      <td class="num">${row.cpuPercent === null ? html`<span class="unknown" title="${unknown}">unknown (${unknown})</span>` : `${row.cpuPercent.toFixed(1)}%`}${usage ? html`<br>${renderSparkline(cpuPoints, now, cpuTitle)}` : ""}</td>
      <td class="num">${row.memoryBytes === null ? html`<span class="unknown" title="${unknown}">unknown (${unknown})</span>` : formatBytes(row.memoryBytes)}${usage ? html`<br>${renderSparkline(memoryPoints, now, memoryTitle)}` : ""}</td>
      <td class="dim">${row.pid ?? "-"}${row.port === null ? "" : ` :${row.port}`}</td>
      <td class="exit">${row.lastExit ?? html`<span class="dim">-</span>`}</td>
    </tr>`;
  })}`;
}

function stateClass(state: string): string {
  if (state === "running") return "ok";
  if (state === "crash-loop" || state === "exited" || state === "failed") return "bad";
  return "warn";
}

function healthClass(health: string): string {
  if (health === "healthy" || health === "none") return "ok";
  if (health === "unhealthy") return "bad";
  return "warn";
}
