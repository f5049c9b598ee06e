// Which command lines skip commander, and that they arrive as commander would hand them over.
import { describe, expect, it } from 'vitest';
import { fastRoute, HOT_COMMANDS } from '../../src/fast-lane.js';

describe('fastRoute', () => {
  it('takes the plain forms of the wizard, status and verify', () => {
    expect(fastRoute([])).toEqual({ command: 'setup', opts: {}, globals: { browser: true } });
    expect(fastRoute(['setup', '--restart', '--no-browser', '-p', 'work'])).toEqual({
      command: 'setup',
      opts: { restart: true },
      globals: { profile: 'work', browser: false },
    });
    expect(fastRoute(['status', '--json', '--profile=ci'])).toEqual({ command: 'status', opts: { json: true }, globals: { profile: 'ci', browser: true } });
    expect(fastRoute(['verify', '-k', '-', '--no-billing-check', '--base-url', 'http://x/v1', '--timeout=500', '-q'])).toEqual({
      command: 'verify',
      opts: { key: '-', billingCheck: false, baseUrl: 'http://x/v1', timeout: '500', quiet: true },
      globals: { browser: true },
    });
  });

  it('leaves everything else to commander (help, errors, other commands, options first)', () => {
    for (const args of [
      ['--help'],
      ['status', '--help'],
      ['verify', '-h'],
      ['--version'],
      ['-p', 'work', 'status'],
      ['--restart'],
      ['status', 'extra'],
      ['status', '--', '--json'],
      ['verify', '--key'],
      ['verify', '--key', '--json'],
      ['verify', '--bogus'],
      ['status', '--json=yes'],
      ['doctor'],
      ['key', '--stdin'],
      ['stauts'],
    ]) {
      expect(fastRoute(args), args.join(' ')).toBeNull();
    }
  });

  it('reads every option of the table, as commander does from the same table', () => {
    for (const [name, command] of Object.entries(HOT_COMMANDS)) {
      for (const option of command.options) {
        const long = /--([\w-]+)/.exec(option.flags)![1]!;
        const args = [name, `--${long}`, ...(option.flags.includes('<') ? ['v'] : [])];
        expect(fastRoute(args), args.join(' ')).not.toBeNull();
      }
    }
  });
});
