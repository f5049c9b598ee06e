/**
 * Waiting in unit tests without a clock: on the event itself, or on a condition looked at once per
 * turn of the event loop. No time limit of its own (the test's timeout is the only one), so no
 * outcome depends on how fast the machine is.
 */

/** One turn of the event loop: what was queued before it (promise callbacks, next ticks, earlier immediates) has run. */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Once `condition` holds, looked at after each turn of the event loop. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await turn();
}
