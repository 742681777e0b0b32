import { html, type SafeHtml } from "../html.js";
import type { Traffic } from "../traffic.js";

export function renderTraffic(traffic: Traffic): SafeHtml {
  if (!traffic.known) return html`<p class="traffic"><span class="unknown">unknown: ${traffic.reason}</span></p>`;
  const minutes = Math.max(1, Math.round(traffic.spanSeconds / 60));
  const span = !traffic.shorterThanWindow ? "the last hour" : traffic.truncated ? `the last ${minutes} min (the part of the access log read)` : `the last ${minutes} min (the access log starts then)`;
  const ms = (value: number | null) => (value === null ? "-" : `${value.toFixed(value < 10 ? 1 : 0)} ms`);
  return html`<dl class="traffic" title="from the proxy's access log, over ${span}">
    <div><dt>Requests/s</dt><dd id="traffic-rps">${traffic.requestsPerSecond.toFixed(traffic.requestsPerSecond < 10 ? 2 : 1)}</dd></div>
    <div><dt>Requests</dt><dd>${traffic.requests}</dd></div>
    <div><dt>5xx rate</dt><dd class="${traffic.errorRate > 0.01 ? "bad" : ""}">${(traffic.errorRate * 100).toFixed(2)}%</dd></div>
    <div><dt>p50</dt><dd>${ms(traffic.p50Ms)}</dd></div>
    <div><dt>p99</dt><dd>${ms(traffic.p99Ms)}</dd></div>
    <div class="dim span">over ${span}</div>
  </dl>`;
}
