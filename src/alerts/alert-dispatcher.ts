import { hostname } from "node:os";
import type { AlertPolicy } from "../config/operations-types.js";
import type { Stack } from "../config/types.js";
import type { StackEvent } from "../events/stack-event.js";
import type { Logger } from "../util/logger.js";
import { alertKindOf, alertPayload } from "./alert-payload.js";
import { postWebhook, type AlertDelivery, type RetryPolicy } from "./post-webhook.js";

export type { AlertDelivery } from "./post-webhook.js";

/** What the dispatcher needs to know about a stack when one of its events comes. */
export interface AlertTarget {
  policy: AlertPolicy | null;
  secretValues: string[];
}

/**
 * Subscribed to the stack event journal: each event a stack's `alerts.on` asks for is POSTed to its
 * webhook in the background, with retries. A failed delivery is logged, never retried forever and
 * never turned into another event (which could alert about alerts).
 */
export class AlertDispatcher {
  private readonly host = hostname();
  private readonly inFlight = new Set<Promise<AlertDelivery>>();

  constructor(
    private readonly targetOf: (stack: string) => AlertTarget,
    private readonly logger: Logger,
    private readonly retry?: RetryPolicy,
  ) {}

  handle(event: StackEvent): void {
    const kind = alertKindOf(event.kind);
    if (!kind) return;
    const { policy, secretValues } = this.targetOf(event.stack);
    if (!policy || !policy.on.includes(kind)) return;
    const delivery = postWebhook(policy.webhook, alertPayload(event, this.host, secretValues), this.retry).then((result) => {
      if (!result.delivered) this.logger.warn("could not deliver an alert", { stack: event.stack, kind: event.kind, attempts: result.attempts, status: result.status, error: result.error });
      return result;
    });
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  /** `berth alerts test`: sends a test event now and answers with how the delivery went. */
  async test(stack: Stack, secretValues: string[]): Promise<AlertDelivery> {
    if (!stack.alerts) return { delivered: false, attempts: 0, status: null, error: "the stack has no `alerts:` section" };
    const event = { at: new Date().toISOString(), stack: stack.name, kind: "test" as const, severity: "info" as const, message: "a test alert from `berth alerts test`" };
    return postWebhook(stack.alerts.webhook, alertPayload(event, this.host, secretValues), { ...(this.retry ?? { attempts: 1, firstDelayMs: 0, timeoutMs: 10_000 }), attempts: 1 });
  }

  /** Resolves once every delivery under way has finished (the daemon stopping). */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
