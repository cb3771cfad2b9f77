/**
 * Durations of the client API are seconds, as CPython's `timeout=10`; Node's timers take
 * milliseconds. These helpers check a duration option and convert it once, at the boundary.
 * @module
 */

/** Longest delay Node's timers accept (2^31 - 1 ms, about 24.8 days); a longer one would fire after 1 ms. */
const TIMER_MAX_MS = 2 ** 31 - 1;

/**
 * Returns `value` when it is a valid duration in seconds (a number >= 0, fractions allowed),
 * else throws a `RangeError` naming the option.
 */
export function checkSeconds(name: string, value: number): number {
  if (typeof value !== "number" || !(value >= 0)) {
    throw new RangeError(`${name} must be a number of seconds >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Seconds to a timer delay in milliseconds. 0 stays 0 (no timer); any other duration is at
 * least 1 ms (so a tiny one never turns into "no timeout") and at most 2^31 - 1 ms (longer durations are clamped).
 */
export function secondsToMs(seconds: number): number {
  if (seconds === 0) return 0;
  return Math.min(TIMER_MAX_MS, Math.max(1, Math.round(seconds * 1000)));
}
