// What a run says when its standard output could not be written: the one wording of main's exit
// and of boot's `--version`/`--help`, which answer before main.cjs is loaded (so: no chalk here).
import { errnoWords } from '../storage/errno-words.js';

/**
 * The line for a failed write to stdout, or null when the failure is none: a reader that left
 * early (EPIPE: `| head -1`) stopped the writing as it would any filter's; ERR_STREAM_DESTROYED is
 * a write after the stream stopped (for EPIPE too; its cause is `errored`). `mark`: the ✖, in
 * colour where the caller's terminal shows colour.
 */
export function stdoutFailureLine(error: Error, mark = '✖'): string | null {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') return null;
  const why = errnoWords(error, { withCode: true }) ?? code ?? error.message;
  return `${mark} Could not write to standard output: ${why}. What was printed there is incomplete.`;
}
