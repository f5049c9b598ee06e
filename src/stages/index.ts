// The four stages in order, each with its title (from its own file), and the command that does each
// where nothing can be asked.
import type { Context } from '../context.js';
import { PAGES } from '../platform.js';
import type { StageId, State } from '../storage/state.js';
import { billingDoneCommand, storeKeyAdvice, toolCommand, type CheckFlagValues } from '../terminal/advice.js';
import { BILLING_TITLE } from './billing.js';
import { KEY_TITLE } from './key.js';
import { LOGIN_TITLE } from './login.js';
import { PAYMENT_TITLE } from './payment.js';

export const STAGE_TITLES: Record<StageId, string> = {
  login: LOGIN_TITLE,
  payment: PAYMENT_TITLE,
  billing: BILLING_TITLE,
  key: KEY_TITLE,
};

/** How a stage is done where nothing can be asked: `noKeychain`, none here (the key goes into the 0600 file); the rest as storeKeyAdvice takes them. */
export interface StageWithoutQuestions {
  insecureStorage: boolean;
  noKeychain: boolean;
  check?: CheckFlagValues;
  /** OPENAI_API_KEY's key is what a check just rejected: never piped in again. */
  variableFailed?: boolean;
}

/**
 * The command that does `stage` without a question, and what to do before it (`what`, a sentence's
 * start: "After signing in on …"), as it works where it is printed: the wizard's lines where it
 * cannot ask, and status's next step there. The key stage's is storeKeyAdvice's (a pipe without a
 * terminal), in the 0600 file where there is no keychain.
 */
export function stageWithoutQuestions(ctx: Context, state: State, profile: string, stage: StageId, how: StageWithoutQuestions): { what: string; command: string } {
  switch (stage) {
    case 'login':
      return { what: `After signing in on ${PAGES.login.url}`, command: toolCommand(ctx, 'login --done', profile) };
    case 'payment':
      return { what: `After adding a card on ${PAGES.payment.url}`, command: toolCommand(ctx, 'payment --done', profile) };
    case 'billing': {
      const { command, note } = billingDoneCommand(ctx, state, profile);
      return { what: `After buying credits on ${PAGES.billing.url}${note ? ` (${note})` : ''}`, command };
    }
    case 'key': {
      const { command, how: words } = storeKeyAdvice(ctx, profile, how.insecureStorage || how.noKeychain, how.check, { variableFailed: how.variableFailed });
      return { what: how.noKeychain ? `There is no keychain here: store your key in a file only you can read${words}` : `Store your key${words}`, command };
    }
  }
}
