// Reading a key from standard input (`key --stdin`, `verify --key -`): all of it, bounded in size
// and in time, so that a pipe that never closes or never ends a line cannot hang the tool.
import { UsageError } from '../errors.js';

/** Far more than any key (they are under 200 characters), with room for `export OPENAI_API_KEY="…"`. */
export const MAX_STDIN_BYTES = 4096;
/** Why input that long is no key: `what` (standard input, what was pasted) is longer than MAX_STDIN_BYTES. */
export function tooLongForAKey(what: string): string {
  return `${what} is longer than ${MAX_STDIN_BYTES} bytes; a key is under 200 characters`;
}
/** How long to wait for a line, at most. */
const STDIN_WAIT_MS = 10_000;
/** A pipe that stays open (`… | tee`, a process substitution) is done once a line came and then nothing for this long. */
const STDIN_QUIET_MS = 200;

/** Why a key that came this way cannot be used, when it has more than one non-blank line (keys/format.ts). */
export { LINE_BREAK_INSIDE } from '../keys/format.js';

export function hasLineBreakInside(text: string): boolean {
  return text.split(/\r\n|\r|\n/).filter((line) => line.trim() !== '').length > 1;
}

/** The command a failure to read standard input names when its caller names none: `key --stdin`. */
const KEY_STDIN_EXAMPLE = 'printenv OPENAI_API_KEY | openai-setup key --stdin';

/**
 * What else the advice of a failure to read a key needs: the environment, to tell whether the
 * variable a `printenv NAME | …` example pipes holds anything; and the command that asks for the
 * key instead (key, admin-key without --stdin), if there is one.
 */
export interface StdinAdvice {
  env?: Readonly<Record<string, string | undefined>>;
  prompt?: string;
}

/**
 * The advice for a pipe that gave no key: `example`, the command as the person ran it, with the
 * key piped in. Not when it pipes a variable that is not in this environment: that pipe gives
 * nothing, so running it would end here again; said, with the prompt (or the command itself).
 */
function pipeAdvice(example: string, advice: StdinAdvice): string[] {
  const piped = /^printenv ([A-Z_][A-Z0-9_]*) \| (.+)$/.exec(example);
  if (!piped || !advice.env || advice.env[piped[1]!]?.trim()) return [`Pipe the key in, e.g.:  ${example}`];
  const [, name, command] = piped;
  return [
    `${name} is not in this shell's environment (not set, or not exported), so \`printenv ${name}\` gives nothing to pipe.`,
    advice.prompt ? `Let it ask for the key instead (hidden; at a terminal):  ${advice.prompt}` : `Pipe the key itself into:  ${command}`,
  ];
}

/**
 * Standard input gave no key: it is a terminal, nothing came in time, or it was empty. A usage
 * error whose advice is `example`, the command as the person ran it, with the key piped in (pipeAdvice).
 */
export class StdinError extends UsageError {
  constructor(
    readonly problem: string,
    readonly example: string,
    advice: StdinAdvice = {},
  ) {
    super(problem, pipeAdvice(example, advice));
    this.name = 'StdinError';
  }
}

/**
 * What `read` (ctx.readStdin) gave, when it holds more than blank lines; its failures' advice
 * names `example`, the command that was run (ctx.readStdin names none of its own), as `advice`
 * allows (StdinAdvice). Nothing, or only blank lines, is no key given: a usage error (exit 2),
 * not a key that is wrong.
 */
export async function readKeyFromStdin(read: () => Promise<string>, example: string, advice: StdinAdvice = {}): Promise<string> {
  let text: string;
  try {
    text = await read();
  } catch (error) {
    throw error instanceof StdinError ? new StdinError(error.problem, example, advice) : error;
  }
  if (text.trim() === '') throw new StdinError('No key came on standard input: it was empty.', example, advice);
  return text;
}

export interface StdinLike extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

export interface StdinTiming {
  waitMs?: number;
  quietMs?: number;
}

/**
 * All of standard input, up to its end; or, from a pipe that does not close, what came once a
 * non-blank line has ended and nothing more arrived for `quietMs`. `example`: the command the
 * advice of a failure names (the one that was run; `key --stdin`'s when not given).
 */
export function readStdin(input: StdinLike, { waitMs = STDIN_WAIT_MS, quietMs = STDIN_QUIET_MS }: StdinTiming = {}, example: string = KEY_STDIN_EXAMPLE): Promise<string> {
  if (input.isTTY) return Promise.reject(new StdinError('Standard input is a terminal, not a pipe.', example));
  return new Promise((resolve, reject) => {
    let text = '';
    let quiet: NodeJS.Timeout | undefined;
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      clearTimeout(quiet);
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (Buffer.byteLength(text) > MAX_STDIN_BYTES) {
        finish(new UsageError(`${tooLongForAKey('Standard input')}.`, ['Pipe only the key.']));
        return;
      }
      // A complete non-blank line: wait for the rest of it to come (or not) before deciding.
      if (/\S[^\n]*\n/.test(text)) {
        clearTimeout(quiet);
        quiet = setTimeout(() => finish(null), quietMs);
      }
    };
    const onEnd = () => finish(null);
    const onError = (error: Error) => finish(new UsageError(`Could not read standard input: ${error.message}`));
    // Bounded overall, even while something keeps trickling in: what came by then is the answer
    // once it holds a line; without one, nothing usable came.
    const timer = setTimeout(() => {
      if (/\S[^\n]*\n/.test(text)) finish(null);
      else finish(new StdinError(`Nothing came on standard input within ${waitMs / 1000} s (a line ending with a newline, or the end of the input).`, example));
    }, waitMs);
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.resume();
  });
}
