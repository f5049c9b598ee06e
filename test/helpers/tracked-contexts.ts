/**
 * The test contexts of a unit file, checked and removed after each test. Call trackedContexts() at
 * the top of a file (or a describe): it registers its own afterEach.
 */
import { afterEach } from 'vitest';
import { makeTestContext, type TestContext, type TestContextOptions } from './context.js';

export interface TrackedContexts {
  /** makeTestContext({ ...defaults, ...options }), tracked. */
  make(options?: TestContextOptions): TestContext;
  /** Track a context made another way (or extended); returns it. */
  track<T extends TestContext>(t: T): T;
}

/**
 * After each test, every tracked context is removed and (unless `assertScriptsUsed: false`)
 * checked: each scripted answer was asked for, and nothing unforeseen was asked.
 */
export function trackedContexts(settings: { defaults?: TestContextOptions; assertScriptsUsed?: boolean } = {}): TrackedContexts {
  const contexts: TestContext[] = [];
  afterEach(async () => {
    const done = contexts.splice(0);
    // All removed first, so that a failed check leaves no temp dir behind.
    await Promise.all(done.map((t) => t.cleanup()));
    if (settings.assertScriptsUsed !== false) for (const t of done) t.assertScriptsUsed();
  });
  const track = <T extends TestContext>(t: T): T => {
    contexts.push(t);
    return t;
  };
  return {
    make: (options = {}) => track(makeTestContext({ ...settings.defaults, ...options })),
    track,
  };
}
