import type { HealthCheck } from "../config/types.js";
import { runProbe, type ProbeResult, type ProbeTarget } from "./probes.js";

export type HealthState = "starting" | "healthy" | "unhealthy";

/** Until a replica first passes, it is probed this often so it starts serving as soon as it can. */
export const STARTUP_PROBE_INTERVAL_MS = 100;

export interface HealthMonitorEvents {
  onChange(state: HealthState, result: ProbeResult): void;
}

/**
 * Probes one replica for as long as it lives (not only at start, unlike kamal-proxy's deploy-time
 * checks). `retries` consecutive failures after the start period make it unhealthy.
 */
export class HealthMonitor {
  private state: HealthState = "starting";
  private consecutiveFailures = 0;
  private lastCountedFailureAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  lastResult: ProbeResult | null = null;

  /** `startedAt`: when the process started; an adopted process's start period has long begun. */
  constructor(
    private readonly check: HealthCheck,
    private readonly target: ProbeTarget,
    private readonly events: HealthMonitorEvents,
    private readonly startedAt = Date.now(),
  ) {}

  get current(): HealthState {
    return this.state;
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.probeOnce(), delayMs);
  }

  private async probeOnce(): Promise<void> {
    const result = await runProbe(this.check, this.target);
    if (this.stopped) return;
    this.lastResult = result;
    const timing = this.check.probe;
    const now = Date.now();
    const inStartPeriod = now - this.startedAt < timing.startPeriodMs;
    // A booting replica is probed quickly, but its failures count only at the normal interval,
    // so it gets `retries` intervals to come up, as with the steady-state checks.
    const failureCounts = !inStartPeriod && now - this.lastCountedFailureAt >= timing.intervalMs;
    if (result.ok) {
      this.consecutiveFailures = 0;
      this.transition("healthy", result);
    } else if (failureCounts) {
      this.consecutiveFailures += 1;
      this.lastCountedFailureAt = now;
      if (this.consecutiveFailures >= timing.retries) this.transition("unhealthy", result);
    }
    const booting = this.state === "starting";
    this.schedule(booting ? Math.min(STARTUP_PROBE_INTERVAL_MS, timing.intervalMs) : timing.intervalMs);
  }

  private transition(next: HealthState, result: ProbeResult): void {
    if (next === this.state) return;
    this.state = next;
    this.events.onChange(next, result);
  }
}
