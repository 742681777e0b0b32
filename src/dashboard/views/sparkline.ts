import { html, type SafeHtml } from "../html.js";
import { HISTORY_MS } from "../usage-history.js";

const WIDTH = 90;
const HEIGHT = 18;

/** An inline SVG line of `values` over the last hour (x = time); nothing when fewer than two points. */
export function renderSparkline(points: { at: number; value: number }[], now: number, title: string): SafeHtml {
  if (points.length < 2) return html`<span class="spark-none" title="${title}">collecting…</span>`;
  const max = Math.max(...points.map((point) => point.value)) || 1;
  const coordinates = points
    .map((point) => {
      const x = WIDTH - ((now - point.at) / HISTORY_MS) * WIDTH;
      const y = HEIGHT - 1 - (point.value / max) * (HEIGHT - 2);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
  return html`<svg class="spark" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${title}"><title>${title}</title><polyline points="${coordinates}" fill="none" stroke="currentColor" stroke-width="1.2"/></svg>`;
}
