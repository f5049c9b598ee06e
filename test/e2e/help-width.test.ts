// The built binary's --help on a real terminal of 80 and 50 columns, started as `openai-setup`
// and under npx: a command it recommends is on one line, whole (the first line of a broken one,
// copied, would run another command), and each command's help lists the global options.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, stripAnsi, type TestEnv } from '../helpers/env.js';
import { spawnCli } from '../helpers/pty.js';

let t: TestEnv;
beforeAll(async () => {
  t = await makeTestEnv();
});
afterAll(async () => {
  await t?.cleanup();
});

describe('admin-key --help on a terminal', () => {
  it.each([
    [80, 'openai-setup', {}],
    [50, 'openai-setup', {}],
    [80, 'npx --yes openai-setup', { npm_command: 'exec' }],
    [50, 'npx --yes openai-setup', { npm_command: 'exec' }],
  ])('%i columns, as %s', async (cols, name, extra) => {
    const session = spawnCli(['admin-key', '--help'], { env: { ...t.env, ...extra }, cols });
    expect((await session.exited).exitCode).toBe(0);
    const lines = stripAnsi(session.output()).replace(/\r/g, '').split('\n');
    expect(lines).toContain(`\`${name} logout --admin\`.`);
    expect(lines.filter((line) => /\blogout\b/.test(line))).toEqual([`\`${name} logout --admin\`.`]);
    expect(lines).toContain('Global Options:');
    expect(lines.some((line) => line.startsWith('  -p, --profile <name>'))).toBe(true);
  });
});
