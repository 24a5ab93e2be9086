/**
 * Requests counted per key in fixed windows, for the portal's per-link limits. @fastify/rate-limit
 * runs at most one limiter per request (the per-address one already does), so the per-link count
 * is kept here: a bounded map, the oldest keys dropped first, so that a flood of distinct keys
 * (every token an attacker invents counts by address instead, see server.ts) cannot grow it.
 */
export class WindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly capacity = 50_000,
  ) {}

  /** Counts one request for `key`; false when the key has had `max` in its current window. */
  take(key: string, now = Date.now()): boolean {
    let window = this.windows.get(key);
    if (window === undefined || now - window.start >= this.windowMs) {
      window = { start: now, count: 0 };
      this.windows.delete(key);
      if (this.windows.size >= this.capacity) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(key, window);
    }
    window.count++;
    return window.count <= this.max;
  }
}
