import type { StackEvent } from "../../events/stack-event.js";
import { html, type SafeHtml } from "../html.js";
import { formatTime } from "./layout.js";

export function renderEventItem(event: StackEvent): SafeHtml {
  const where = event.service === undefined ? (event.release ?? "") : event.replica === undefined ? event.service : `${event.service}.${event.replica}`;
  return html`<li class="event ${event.severity}" data-kind="${event.kind}">
    <time datetime="${event.at}">${formatTime(event.at)}</time>
    <span class="kind">${event.kind}</span>
    <span class="where">${where}</span>
    <span class="message">${event.message}</span>
  </li>`;
}

/** Newest first. */
export function renderTimeline(events: StackEvent[]): SafeHtml {
  if (events.length === 0) return html`<ul class="timeline" id="timeline"><li class="dim empty-note">No events yet: crashes, restarts, deploys and backups appear here as they happen.</li></ul>`;
  return html`<ul class="timeline" id="timeline">${[...events].reverse().map(renderEventItem)}</ul>`;
}
