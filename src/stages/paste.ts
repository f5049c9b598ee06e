// A key pasted at a hidden prompt (the key stage, admin-key): asked until what was pasted is taken,
// each refusal said in one line. One loop, so that every way a paste can fail is handled alike.
import type { Context } from '../context.js';
import { LINE_BREAK_INSIDE } from '../keys/format.js';
import { marks } from '../terminal/output.js';
import { LineBreakInsideError, PasteTooLongError, type Prompter } from '../terminal/prompter.js';
import { tooLongForAKey } from '../terminal/stdin.js';

/** What the caller makes of a paste: the key to use, or why not (a sentence, without its full stop). */
export type PasteVerdict = { ok: true; key: string } | { ok: false; why: string };

/**
 * Asks `question` (hidden) until `accept` takes what was pasted; returns the key it gave. With
 * `stop` (what stopping does, after "Press Enter again to"), an empty Enter says how to stop, and a
 * second one in a row stops: null. Without it, Ctrl-C is the only way out.
 */
export async function readPastedKey(ctx: Context, prompter: Prompter, question: string, accept: (raw: string) => PasteVerdict): Promise<string>;
export async function readPastedKey(ctx: Context, prompter: Prompter, question: string, accept: (raw: string) => PasteVerdict, stop: string): Promise<string | null>;
export async function readPastedKey(ctx: Context, prompter: Prompter, question: string, accept: (raw: string) => PasteVerdict, stop?: string): Promise<string | null> {
  const fail = (why: string) => ctx.term.err(`${marks(ctx.term.style).fail} ${why}.`);
  // The last answer was an empty Enter, already told how to stop.
  let emptyBefore = false;
  for (;;) {
    let raw: string;
    try {
      raw = await prompter.password(question);
    } catch (error) {
      // The prompt ended at the paste's first line break, or once it was longer than any key can
      // be, and dropped the rest: the part before is not the key.
      if (error instanceof LineBreakInsideError) fail(`That is not an API key: ${LINE_BREAK_INSIDE}`);
      else if (error instanceof PasteTooLongError) fail(tooLongForAKey('What was pasted'));
      else throw error;
      emptyBefore = false;
      continue;
    }
    // Someone without a key yet (a phone verification pending) must not be kept here.
    if (stop !== undefined && raw.trim() === '') {
      if (emptyBefore) return null;
      emptyBefore = true;
      prompter.holdInput();
      fail(`Nothing was pasted. Press Enter again to ${stop}`);
      continue;
    }
    emptyBefore = false;
    // Refused here rather than by the prompt, which would keep the hidden text for editing: the
    // next paste would then be added to the part that was cut off.
    const verdict = accept(raw);
    if (verdict.ok) {
      // From here to the next question (the live check's spinner, its result, "What now?"), what
      // is typed is neither echoed (a key pasted again stayed on the screen, wrapped above the
      // spinner's row) nor taken as an answer (an Enter answered "What now?" before it was shown).
      prompter.holdInput('drop');
      return verdict.key;
    }
    // Until the question is asked again, what is typed (the key pasted again) is held unechoed.
    prompter.holdInput();
    fail(verdict.why);
  }
}
