/**
 * Test contexts with a file's own defaults. Each one is checked and removed when its test ends by
 * makeTestContext itself (every context is, however it was made); this only spares a file
 * repeating its options.
 */
import { makeTestContext, type TestContext, type TestContextOptions } from './context.js';

export interface TrackedContexts {
  /** makeTestContext({ ...defaults, ...options }). */
  make(options?: TestContextOptions): TestContext;
}

export function trackedContexts(settings: { defaults?: TestContextOptions } = {}): TrackedContexts {
  return { make: (options = {}) => makeTestContext({ ...settings.defaults, ...options }) };
}
