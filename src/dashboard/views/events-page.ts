import type { StackEvent } from "../../events/stack-event.js";
import { html } from "../html.js";
import { renderTimeline } from "./events.js";
import { renderPage, type PageChrome } from "./layout.js";

export function renderEventsPage(stack: string, events: StackEvent[], chrome: PageChrome): string {
  const body = html`<h1>Events</h1><p class="dim">Crashes, health restarts, crash loops, deploys, rollbacks and backups, newest first, from the stack's journal (<code>berth events</code>). <span id="live-status">connecting…</span></p>${renderTimeline(events)}`;
  return renderPage({ title: `${stack} events`, page: "events", stack, ...chrome, body });
}
