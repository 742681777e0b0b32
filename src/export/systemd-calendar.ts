// A cron expression (what berth.yml's backup.schedule holds) as a systemd OnCalendar= value.
// Returns null for a form systemd cannot say the same way (a step over a range, say).

const NICKNAMES: Record<string, string> = { "@hourly": "hourly", "@daily": "daily", "@midnight": "daily", "@weekly": "weekly", "@monthly": "monthly", "@yearly": "yearly", "@annually": "yearly" };
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

export function cronToOnCalendar(cron: string): string | null {
  const trimmed = cron.trim().toLowerCase();
  if (NICKNAMES[trimmed]) return NICKNAMES[trimmed];
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) return null;
  const [minute, hour, day, month, weekday] = fields as [string, string, string, string, string];
  const parts = [numeric(minute, 2), numeric(hour, 2), numeric(day, 2), numeric(month, 2), weekdays(weekday)];
  if (parts.some((part) => part === null)) return null;
  const [m, h, d, mo, w] = parts as string[];
  return `${w === "*" ? "" : `${w} `}*-${mo}-${d} ${h}:${m}:00`;
}

function numeric(field: string, width: number): string | null {
  if (field === "*") return "*";
  const items = field.split(",").map((item) => {
    const step = /^(\*|\d+)\/(\d+)$/.exec(item);
    if (step) return `${step[1] === "*" ? "0".padStart(width, "0") : pad(step[1] ?? "0", width)}/${step[2]}`;
    const range = /^(\d+)-(\d+)$/.exec(item);
    if (range) return `${pad(range[1] ?? "", width)}..${pad(range[2] ?? "", width)}`;
    return /^\d+$/.test(item) ? pad(item, width) : null;
  });
  return items.includes(null) ? null : items.join(",");
}

function weekdays(field: string): string | null {
  if (field === "*") return "*";
  const items = field.split(",").map((item) => {
    const range = /^(\d)-(\d)$/.exec(item);
    if (range) return `${WEEKDAYS[Number(range[1])]}..${WEEKDAYS[Number(range[2])]}`;
    return /^\d$/.test(item) && Number(item) <= 7 ? WEEKDAYS[Number(item)] : null;
  });
  return items.some((item) => item === null || item === undefined) ? null : items.join(",");
}

function pad(value: string, width: number): string {
  return value.padStart(width, "0");
}
