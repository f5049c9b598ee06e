// Reading a key from standard input (`key --stdin`, `verify --key -`): one line, bounded in size
// and in time, so that a pipe that never closes or never ends a line cannot hang the tool.
import { UsageError } from '../errors.js';

/** Far more than any key (they are under 200 characters), with room for `export OPENAI_API_KEY="…"`. */
export const MAX_STDIN_BYTES = 4096;
export const STDIN_WAIT_MS = 10_000;

export interface StdinLike extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

/** The first non-blank line of standard input (or all of it, up to EOF). */
export function readStdin(input: StdinLike, waitMs = STDIN_WAIT_MS): Promise<string> {
  if (input.isTTY) {
    return Promise.reject(
      new UsageError('Standard input is a terminal, not a pipe.', ['Pipe the key in, e.g.:  printenv OPENAI_API_KEY | openai-setup key --stdin']),
    );
  }
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const line = /^\s*[^\n]*\n/.exec(text);
      if (line) {
        text = line[0];
        finish(null);
      } else if (Buffer.byteLength(text) > MAX_STDIN_BYTES) {
        finish(new UsageError(`Standard input is longer than ${MAX_STDIN_BYTES} bytes without a line break; a key is under 200 characters.`, ['Pipe only the key.']));
      }
    };
    const onEnd = () => finish(null);
    const onError = (error: Error) => finish(new UsageError(`Could not read standard input: ${error.message}`));
    const timer = setTimeout(
      () => finish(new UsageError(`Nothing came on standard input within ${waitMs / 1000} s (a line ending with a newline, or the end of the input).`, ['Pipe the key in, e.g.:  printenv OPENAI_API_KEY | openai-setup key --stdin'])),
      waitMs,
    );
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.resume();
  });
}
