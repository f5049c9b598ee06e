// The commands of the tool that its advice recommends, built in one place so that each works as
// printed: started as this person started the tool (AdviceScope.commandName), with --profile unless
// a command typed without it acts on that profile anyway (profileFlagFor), and the live-check
// options of this run repeated where a check would otherwise go elsewhere. storage/ and api/ say
// what is wrong; the command lines in what they say come from here, with the run's scope handed to
// them as data where they have no Context (adviceScope, carried by an AdminAuth). Texts that still
// name the tool `openai-setup` before a command (api/diagnosis.ts's fixes) rely on the terminal's
// rewrite (invocation.ts, adviceFor); headings are left as they are.
import { profileFlag } from './invocation.js';
import { PROMPTS_TURNED_OFF } from './output.js';
import { withoutCredentials } from './sanitize.js';
import { shellWord } from './shell.js';

/**
 * Whom advice is for, and how they type it: the tool as the person started it (Context.commandName),
 * and the profile a command typed without --profile acts on where it is typed (Context.bareProfile,
 * learnt by resolveProfileName). A Context is one; an AdminAuth carries one to api/, which has none.
 */
export interface AdviceScope {
  readonly commandName: string;
  readonly bareProfile?: string;
}

/** profileFlag for a command recommended in this run (`scope`: the Context, or an AdminAuth made from it). */
export function profileFlagFor(scope: Pick<AdviceScope, 'bareProfile'>, profile: string | undefined): string {
  return profileFlag(profile, scope.bareProfile);
}

/** A run's scope as data, for what carries it where there is no Context (an AdminAuth). */
export function adviceScope(ctx: AdviceScope): AdviceScope {
  return ctx.bareProfile === undefined ? { commandName: ctx.commandName } : { commandName: ctx.commandName, bareProfile: ctx.bareProfile };
}

/**
 * The bare profile of commands that go into files and other tools' settings, to run in other
 * shells, where OPENAI_SETUP_PROFILE may not be what it is here: the default chosen with `use`,
 * and only when no variable overrides it in this shell either; else unknown (--profile always named).
 */
export function lastingBareProfile(ctx: Pick<AdviceScope, 'bareProfile'> & { readonly env: { readonly OPENAI_SETUP_PROFILE?: string | undefined } }): string | undefined {
  return ctx.env.OPENAI_SETUP_PROFILE === undefined ? ctx.bareProfile : undefined;
}

/** What advice for another shell or session needs: the scope, and whether OPENAI_SETUP_PROFILE chose the profile here. */
export type ElsewhereScope = AdviceScope & { readonly env: { readonly OPENAI_SETUP_PROFILE?: string | undefined } };

/**
 * The scope of commands to be typed in another shell or session (the desktop session where the
 * keychain is, a shell where OPENAI_API_KEY is set): --profile named unless the profile would be
 * chosen the same way there (lastingBareProfile), as this shell's OPENAI_SETUP_PROFILE may not be
 * set in that one. For keyCommand and the like; toolCommand's is elsewhereCommand.
 */
export function elsewhereScope(scope: ElsewhereScope): AdviceScope {
  const bareProfile = lastingBareProfile(scope);
  return bareProfile === undefined ? { commandName: scope.commandName } : { commandName: scope.commandName, bareProfile };
}

/** toolCommand for a command to be typed in another shell or session (elsewhereScope). */
export function elsewhereCommand(scope: ElsewhereScope, words: string, profile?: string): string {
  return toolCommand(elsewhereScope(scope), words, profile);
}

/**
 * "this" (the command just run) for `profile`, to be run in another shell or session: "this with
 * --profile NAME" when OPENAI_SETUP_PROFILE chose the profile here (the command as typed does not
 * name it, and that session may not have the variable). Without the variable the command as typed
 * already chooses it there: by its --profile, or by the same default chosen with `use`.
 */
export function elsewhereThis(scope: Pick<ElsewhereScope, 'env'>, profile: string): string {
  return scope.env.OPENAI_SETUP_PROFILE === undefined ? 'this' : `this with --profile ${profile}`;
}

/** The live-check options of a run (`key`, `verify`, the wizard), as `checkFlags` repeats them. */
export interface CheckFlagValues {
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
  billingCheck?: boolean;
}

/**
 * The live-check options that were given, as flags for a command recommended to run the same
 * check (` --base-url … --timeout …`); else nothing. A base URL given without them would send the
 * key elsewhere; its user:password is left out, as a secret never printed.
 */
export function checkFlags(values: CheckFlagValues | undefined): string {
  if (!values) return '';
  return [
    values.baseURL === undefined ? '' : ` --base-url ${shellWord(withoutCredentials(values.baseURL))}`,
    values.model === undefined ? '' : ` --model ${shellWord(values.model)}`,
    values.timeoutMs === undefined ? '' : ` --timeout ${values.timeoutMs}`,
    values.billingCheck === false ? ' --no-billing-check' : '',
  ].join('');
}

/**
 * The same, for a recommended `key` (which always checks billing: it takes no --no-billing-check).
 * A key meant for another server is then checked there, not sent to the OpenAI API.
 */
export function keyCheckFlags(values: CheckFlagValues | undefined): string {
  return values ? checkFlags({ baseURL: values.baseURL, model: values.model, timeoutMs: values.timeoutMs }) : '';
}

/** `words` (a command and its flags, or nothing) as this person types it, for `profile` when given. */
export function toolCommand(scope: AdviceScope, words: string, profile?: string): string {
  return `${scope.commandName}${words ? ` ${words}` : ''}${profileFlagFor(scope, profile)}`;
}

/**
 * The command that stores a key for a profile, as this person types it (`npx openai-setup …` under
 * npx); `check`: the live-check options this run was given, repeated.
 */
export function keyCommand(scope: AdviceScope, profile: string, check?: CheckFlagValues): string {
  return `${toolCommand(scope, 'key', profile)}${keyCheckFlags(check)}`;
}

/**
 * The command that checks a profile's key, as this person types it, with the live-check options
 * this run was given (`flags` before --profile: `verify --key - --profile work`).
 */
export function verifyCommand(scope: AdviceScope, profile: string, check?: CheckFlagValues, flags = ''): string {
  return `${toolCommand(scope, `verify${flags ? ` ${flags}` : ''}`, profile)}${checkFlags(check)}`;
}

/** Storing a key from a pipe, as this person types it; `insecure`: in the 0600 file (no keychain to use). */
export function pipeKeyCommand(scope: AdviceScope, profile: string, insecure = false, check?: CheckFlagValues): string {
  return `printenv OPENAI_API_KEY | ${keyCommand(scope, profile)} --stdin${insecure ? ' --insecure-storage' : ''}${keyCheckFlags(check)}`;
}

/** Where a command that stores a key is recommended: whether OPENAI_API_KEY holds one there, and whether `key` would ask for it there. */
export interface KeyEntryScope extends AdviceScope {
  readonly env: { readonly OPENAI_API_KEY?: string | undefined };
  /**
   * `whyNoPrompts`: why questions are off ('' when on), as the Terminal says it: `key` asks only
   * where stdin and stdout are both a terminal, so `doctor | cat` at a terminal is not such a place.
   */
  readonly term: { readonly whyNoPrompts: string };
}

/**
 * The command that stores a key for a profile as it works where it is printed (`command`), and how
 * it gets the key, said before it (`how`, "" or " (…)"): piped from OPENAI_API_KEY when that holds
 * one here; else `key` asking for it, as a pipe of an unset variable stores nothing (and its
 * "stdin was empty" would name the same pipe again). Where `key` would not ask (a script, CI, an
 * output piped or redirected: no terminal on stdin and stdout both) the way to give it the key on
 * standard input is named too, by its flag.
 */
export function storeKeyAdvice(scope: KeyEntryScope, profile: string, insecure = false, check?: CheckFlagValues): { command: string; how: string } {
  if (scope.env.OPENAI_API_KEY) return { command: pipeKeyCommand(scope, profile, insecure, check), how: '' };
  return {
    command: `${keyCommand(scope, profile)}${insecure ? ' --insecure-storage' : ''}${keyCheckFlags(check)}`,
    how:
      scope.term.whyNoPrompts === ''
        ? ' (it asks for the key, hidden)'
        : scope.term.whyNoPrompts === PROMPTS_TURNED_OFF
          ? // A terminal where OPENAI_SETUP_NO_PROMPT turned questions off: `key` would not ask.
            ' (it asks for the key, hidden, once OPENAI_SETUP_NO_PROMPT is unset; or pipe the key into it with --stdin)'
          : ' (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin)',
  };
}

/**
 * How to replace a stored value that is no key (judgeStoredKey): store the key again, which
 * replaces it; `check`: the options `key` needs to take it (--base-url for another server's key),
 * or `also`: what to add, in words, when they are not known (", adding …").
 */
export function notAKeyFix(scope: AdviceScope, profile: string, check?: CheckFlagValues, also = ''): string {
  return `Store your key again with \`${keyCommand(scope, profile, check)}\`${also} (it replaces what is stored).`;
}

/**
 * The command that stores an admin key for a profile (`flags` before --profile: `admin-key --stdin
 * --profile work`); api/ builds it too, from the scope an AdminAuth carries.
 */
export function adminKeyCommand(scope: AdviceScope, profile: string | undefined, flags = ''): string {
  return toolCommand(scope, `admin-key${flags ? ` ${flags}` : ''}`, profile);
}

/** Storing an admin key from a pipe (`flags` after --stdin: `--insecure-storage`). */
export function pipeAdminKeyCommand(scope: AdviceScope, profile: string, flags = ''): string {
  return `printenv OPENAI_ADMIN_KEY | ${adminKeyCommand(scope, profile, flags ? `--stdin ${flags}` : '--stdin')}`;
}
