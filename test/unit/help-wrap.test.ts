// --help wrapped to the terminal's width never breaks a command it recommends across lines: its
// first line, copied alone, would run another command (`logout` without --admin removes the key).
import { describe, expect, it } from 'vitest';
import { COMMANDS, GLOBAL_OPTIONS } from '../../src/commands/index.js';
import { buildProgram } from '../../src/program.js';

function printedBy(name: string, args: string[], columns: number): string {
  let out = '';
  const program = buildProgram(
    '0.0.0-test',
    () => {
      throw new Error('no command runs here');
    },
    { name, writeOut: (text) => (out += text), writeErr: (text) => (out += text), columns },
    () => {},
  );
  try {
    program.parse(['node', 'x', ...args]);
  } catch {
    // commander's exitOverride throws after printing the help or the error
  }
  return out;
}

/** The commands a text recommends: each in backticks, `{cmd}` as the tool was started. */
function commandsIn(text: string | undefined, name: string): string[] {
  return [...(text ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replaceAll('{cmd}', name)).filter((command) => command.includes(' '));
}

const NAMES = ['openai-setup', 'npx openai-setup'];
const WIDTHS = [80, 50];

describe('a command in --help is never broken across lines', () => {
  it('admin-key --help at 50 columns: `logout --admin` on one line, as the tool was started', () => {
    for (const name of NAMES) {
      const lines = printedBy(name, ['admin-key', '--help'], 50).split('\n');
      expect(lines.some((line) => line.includes(`${name} logout --admin`))).toBe(true);
      // Only an example (never wrapped) or a command too long for any line is longer.
      expect(lines.filter((line) => line.length > 50 && !line.startsWith('  $ ') && !line.includes('`'))).toEqual([]);
    }
  });

  it('every text of the table names the tool as {cmd}, each command in backticks', () => {
    for (const spec of COMMANDS) {
      for (const text of [spec.description, spec.helpAfter, spec.helpAfterError, ...(spec.options ?? []).map((o) => o.description)]) {
        // Outside backticks, the tool's name would be a command to type that can be broken (and not say npx).
        expect((text ?? '').replace(/`[^`]*`/g, '')).not.toMatch(/openai-setup \w|\{cmd\}/);
      }
    }
  });

  it.each(COMMANDS.flatMap((spec) => NAMES.flatMap((name) => WIDTHS.map((width) => [spec.name, name, width] as const))))('%s --help (%s, %i columns)', (command, name, width) => {
    const spec = COMMANDS.find((c) => c.name === command)!;
    const lines = printedBy(name, [command, '--help'], width).split('\n');
    const texts = [spec.description, spec.helpAfter, ...[...(spec.options ?? []), ...GLOBAL_OPTIONS].map((o) => o.description), ...(spec.arguments ?? []).map((a) => a.description)];
    for (const recommended of texts.flatMap((text) => commandsIn(text, name))) {
      expect(lines.filter((line) => line.includes(recommended)), recommended).toHaveLength(1);
    }
  });

  it('run: the advice after a usage error names the command whole, as the tool was started', () => {
    for (const name of NAMES) {
      for (const width of WIDTHS) {
        expect(printedBy(name, ['run'], width)).toContain(`(put -- before the command: \`${name} run -- node app.js --flag\`)`);
      }
    }
  });
});
