import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface AlertDelivery {
  delivered: boolean;
  attempts: number;
  /** The receiver's last HTTP status, when it answered. */
  status: number | null;
  error: string | null;
}

export interface RetryPolicy {
  attempts: number;
  /** Wait before the 2nd attempt; each later one waits twice as long. */
  firstDelayMs: number;
  timeoutMs: number;
}

/** 5 attempts over about 30 s: a receiver that restarts or rate-limits briefly still gets the alert. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, firstDelayMs: 2000, timeoutMs: 10_000 };

/** POSTs `body` as JSON, retrying with exponential backoff on errors, timeouts, 429 and 5xx. Never throws. */
export async function postWebhook(url: string, body: unknown, retry: RetryPolicy = DEFAULT_RETRY): Promise<AlertDelivery> {
  const payload = Buffer.from(JSON.stringify(body));
  let last: AlertDelivery = { delivered: false, attempts: 0, status: null, error: null };
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, retry.firstDelayMs * 2 ** (attempt - 2)));
    const { status, error } = await postOnce(url, payload, retry.timeoutMs);
    last = { delivered: status !== null && status >= 200 && status < 300, attempts: attempt, status, error };
    if (last.delivered) return last;
    // A 4xx other than 429 will not change by asking again (a wrong URL, a revoked hook).
    if (status !== null && status < 500 && status !== 429) return last;
  }
  return last;
}

function postOnce(url: string, payload: Buffer, timeoutMs: number): Promise<{ status: number | null; error: string | null }> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ status: null, error: "not a URL" });
      return;
    }
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const request = send(
      target,
      { method: "POST", headers: { "content-type": "application/json", "content-length": payload.length, "user-agent": "berth-alerts" }, timeout: timeoutMs },
      (response) => {
        response.resume();
        response.on("end", () => resolve({ status: response.statusCode ?? null, error: null }));
        response.on("error", (error) => resolve({ status: null, error: error.message }));
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", (error) => resolve({ status: null, error: error.message }));
    request.end(payload);
  });
}
