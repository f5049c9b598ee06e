// --help's list of exit codes is errors.ts's EXIT table: every code, in its order, with its number.
import { expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { buildProgram } from '../../src/program.js';

it('openai-setup --help lists every exit code of the table, code 1 with standard output that could not be written', () => {
  let out = '';
  const program = buildProgram('0.0.0-test', () => {
    throw new Error('no command runs here');
  }, { name: 'openai-setup', writeOut: (text) => (out += text), writeErr: (text) => (out += text) }, () => {});
  try {
    program.parse(['node', 'x', '--help']);
  } catch {
    // commander's exitOverride throws after printing the help
  }
  const list = out.slice(out.indexOf('\nExit codes:\n') + '\nExit codes:\n'.length).trimEnd().split('\n');
  expect(list.filter((line) => /^ {2}\d/.test(line)).map((line) => Number(line.trim().split(' ')[0]))).toEqual(Object.values(EXIT));
  expect(out).toMatch(/\n {2}1 {4}unexpected error \(a bug: please report it\), or standard output could not\s+be written\n/);
});
