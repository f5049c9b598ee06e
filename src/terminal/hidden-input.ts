// The hidden question (a key pasted): what was typed is shown as its length, never as a row of
// stars. @inquirer/password redraws its whole row of stars at every keypress, so a long paste took
// time and output growing with the square of its length, and a row taller than the window left a
// copy of the question in the scrollback at each redraw. Here the line stays one short row, redrawn
// once per read of the terminal, not per key (prompter.ts also hands it a read's text as one key).
// Part of the prompts' bundle (inquirer.ts): it imports nothing of the tool's own.
import { createPrompt, isEnterKey, makeTheme, useEffect, useKeypress, usePrefix, useRef, useState, type Theme } from '@inquirer/core';
import type { PartialDeep } from '@inquirer/type';

export interface HiddenInputConfig {
  message: string;
  validate?: (value: string) => true | string | Promise<true | string>;
  /** What stands for `length` characters typed (nothing while none is), as typed and once answered. */
  shown: (length: number) => string;
  /** As the other prompts take it (the prefix's icons, for a terminal that is not UTF-8). */
  theme?: PartialDeep<Theme>;
}

const CURSOR_HIDE = '\x1b[?25l';
const CURSOR_SHOW = '\x1b[?25h';

export default createPrompt<string, HiddenInputConfig>((config, done) => {
  const { validate = () => true, shown } = config;
  const theme = makeTheme(config.theme);
  const [status, setStatus] = useState<'idle' | 'loading' | 'done'>('idle');
  const [error, setError] = useState<string | undefined>();
  const [length, setLength] = useState(0);
  // The line as typed, kept at each keypress (readline empties it at Enter, before we see Enter).
  const typed = useRef('');
  const redraw = useRef<NodeJS.Immediate | undefined>(undefined);
  const prefix = usePrefix({ status, theme });
  useEffect(() => () => clearImmediate(redraw.current), []);
  useKeypress(async (key, rl) => {
    if (status !== 'idle') return;
    if (isEnterKey(key)) {
      clearImmediate(redraw.current);
      redraw.current = undefined;
      const answer = typed.current;
      setLength(answer.length);
      setStatus('loading');
      const verdict = await validate(answer);
      if (verdict === true) {
        setStatus('done');
        done(answer);
      } else {
        // As @inquirer/password: the answer stays, to be corrected (readline emptied its line).
        rl.write(answer);
        setError(verdict || 'You must provide a valid value');
        setStatus('idle');
      }
    } else {
      typed.current = rl.line;
      setError(undefined);
      // The keypresses of one read come one after another, in one turn of the event loop.
      redraw.current ??= setImmediate(() => {
        redraw.current = undefined;
        setLength(typed.current.length);
      });
    }
  });
  const message = theme.style.message(config.message, status);
  if (status === 'done') return `${prefix} ${message} ${theme.style.answer(shown(length))}`;
  // Readline puts the cursor where the typed characters would be, which is not where their length
  // is shown: hidden, as @inquirer/password hides it when it shows no stars; shown again once
  // nothing is typed (all of it erased), where the answer starts.
  const line = typed.current === '' && length === 0 ? `${prefix} ${message} ${CURSOR_SHOW}` : `${prefix} ${message} ${shown(length)}${CURSOR_HIDE}`;
  return [line, error ? theme.style.error(error) : ''];
});
