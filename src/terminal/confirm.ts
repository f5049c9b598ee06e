// The yes/no question. @inquirer/confirm takes any answer that does not start with y or n as the
// default ("maybe", "t", a slip of the finger), and anything that does as yes or no ("nope",
// "yoghurt"): a careless key answered a question such as "Delete the old key?" unseen. Here only
// y, yes, n or no (any case, spaces around) answer, and Enter alone takes the default shown, as
// (Y/n) or (y/N); anything else is refused with a line under the question, the text left to be
// corrected. It looks as @inquirer/confirm does: the question, its (Y/n), Yes or No once answered;
// Tab puts in the answer other than the one typed (or the default), as there.
// Part of the prompts' bundle (inquirer.ts): it imports nothing of the tool's own.
import { createPrompt, isEnterKey, isTabKey, makeTheme, useKeypress, usePrefix, useState, type Theme } from '@inquirer/core';
import type { PartialDeep } from '@inquirer/type';

export interface ConfirmConfig {
  message: string;
  /** Taken by Enter alone; true unless false. */
  default?: boolean;
  /** As the other prompts take it (the prefix's icons, for a terminal that is not UTF-8). */
  theme?: PartialDeep<Theme>;
}

/** What the line under the question says when what was typed is no answer. */
export const NOT_AN_ANSWER = 'Answer y or n.';

/** y or yes, n or no, in any case, spaces around: the answer. Anything else (an empty line too): none. */
export function yesOrNo(typed: string): boolean | undefined {
  const word = typed.trim().toLowerCase();
  if (word === 'y' || word === 'yes') return true;
  if (word === 'n' || word === 'no') return false;
  return undefined;
}

const shown = (answer: boolean) => (answer ? 'Yes' : 'No');

export default createPrompt<boolean, ConfirmConfig>((config, done) => {
  const byDefault = config.default !== false;
  const theme = makeTheme(config.theme);
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  // The line as typed (readline's), or the answer once answered.
  const [value, setValue] = useState('');
  const [refused, setRefused] = useState(false);
  const prefix = usePrefix({ status, theme });
  useKeypress((key, rl) => {
    if (status !== 'idle') return;
    if (isEnterKey(key)) {
      const answer = value === '' ? byDefault : yesOrNo(value);
      if (answer === undefined) {
        // Readline emptied its line at Enter: the text is put back, to be corrected.
        rl.write(value);
        setRefused(true);
        return;
      }
      setValue(shown(answer));
      setStatus('done');
      done(answer);
    } else if (isTabKey(key)) {
      const other = shown(!(yesOrNo(value) ?? byDefault));
      rl.clearLine(0); // the Tab itself
      rl.write(other);
      setValue(other);
      setRefused(false);
    } else {
      setValue(rl.line);
      setRefused(false);
    }
  });
  const message = theme.style.message(config.message, status);
  if (status === 'done') return `${prefix} ${message} ${theme.style.answer(value)}`;
  const line = `${prefix} ${message} ${theme.style.defaultAnswer(byDefault ? 'Y/n' : 'y/N')} ${value}`;
  return [line, refused ? theme.style.error(NOT_AN_ANSWER) : ''];
});
