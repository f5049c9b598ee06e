// A `run` inside a run: the outer run's profile unless another is named, by --profile or by
// OPENAI_SETUP_PROFILE; another one named is refused (exit 2), the same one just works.
import { afterEach, describe, expect, it } from 'vitest';
import { run, RUN_MARKER } from '../../src/commands/run.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';
import { RecordingHost } from '../helpers/recording-host.js';

const DEFAULT_KEY = testKey('D');
const WORK_KEY = testKey('W');


let t: TestContext;
afterEach(() => t?.cleanup());

function inside(outer: string, env: Record<string, string> = {}): { t: TestContext; host: RecordingHost } {
  t = makeTestContext({ keychain: { default: DEFAULT_KEY, work: WORK_KEY }, env: { [RUN_MARKER]: outer, ...env } });
  return { t, host: new RecordingHost() };
}

describe('run inside a run', () => {
  it('OPENAI_SETUP_PROFILE naming another profile is refused like --profile: exit 2, why and what to do, nothing run', async () => {
    const { t, host } = inside('default', { OPENAI_SETUP_PROFILE: 'work' });
    const { code, message, hints } = await outcomeOf(run(t.ctx, { command: ['true'] }, host));
    expect(code).toBe(2);
    expect(message).toBe('Already inside `openai-setup run` for profile "default"; not nesting a run for profile "work" (OPENAI_SETUP_PROFILE=work).');
    expect(hints).toEqual(['Unset OPENAI_SETUP_PROFILE to use "default" here. For "work", leave that run first, or unset OPENAI_SETUP_RUN to force it.']);
    expect(host.spawned).toEqual([]);
  });

  it('--profile naming another profile: refused the same way', async () => {
    const { t, host } = inside('default');
    const { code, message, hints } = await outcomeOf(run(t.ctx, { profile: 'work', command: ['true'] }, host));
    expect(code).toBe(2);
    expect(message).toBe('Already inside `openai-setup run` for profile "default"; not nesting a run for profile "work".');
    expect(hints).toEqual(['Leave that run first, or unset OPENAI_SETUP_RUN to force it.']);
    expect(host.spawned).toEqual([]);
  });

  it("OPENAI_SETUP_PROFILE naming the run's own profile, or none named: the outer run's profile and key", async () => {
    for (const env of [{ OPENAI_SETUP_PROFILE: 'work' }, {}] as Array<Record<string, string>>) {
      const { t, host } = inside('work', env);
      expect(await run(t.ctx, { command: ['true'] }, host)).toBe(0);
      expect(host.spawned.map((e) => [e.OPENAI_API_KEY, e[RUN_MARKER]])).toEqual([[WORK_KEY, 'work']]);
      expect(t.stderr).toBe('');
      await t.cleanup();
    }
  });
});
