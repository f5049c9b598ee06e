/**
 * proper-lockfile as the lock-lost-* tests need it: the real one, whose locks can each be reported
 * compromised on demand, as its refresh does when it finds, late after a pause, that another run
 * took the lock over. Each test file mocks it with:
 *   vi.mock('proper-lockfile', async (importOriginal) => (await import('../helpers/lock-compromise.js')).compromisableLockfile(importOriginal));
 * (a factory of the file's own: vi.mock is hoisted above its imports) and clears `compromise` after each test.
 */
import type * as ProperLockfile from 'proper-lockfile';

/** The compromise report of each lock held now, by the file locked: what proper-lockfile's refresh calls. */
export const compromise = new Map<string, () => void>();

export async function compromisableLockfile(importOriginal: () => Promise<unknown>): Promise<typeof ProperLockfile & { default: typeof ProperLockfile }> {
  const real = (await importOriginal()) as typeof ProperLockfile;
  const lock: typeof real.lock = async (file, options) => {
    const release = await real.lock(file, options);
    compromise.set(file, () => options?.onCompromised?.(new Error('Unable to update lock within the stale threshold')));
    return release;
  };
  return { ...real, lock, default: { ...real, lock } };
}
