// What every stage does with a platform page: a heading, the page (its URL always printed, then
// opened), and the question whether it is done — or `--done` for scripts.
import type { Context } from '../context.js';
import { PAGES, type PageName } from '../platform.js';
import { ConfigStoreError } from '../storage/private-file.js';
import { stageOrganization, type StageId } from '../storage/state.js';
import { toolCommand } from '../terminal/advice.js';
import { marks } from '../terminal/output.js';

export type StageOutcome = 'done' | 'skipped';

export interface PageStageOptions {
  profile: string;
  /** "Step 1 of 4" in the wizard. */
  position?: string;
  /** Mark the stage done without asking (for scripts and runs without a terminal). */
  done?: boolean;
}

/** Print a page's URL (always: SSH, headless, phones), then try to open it. */
export async function showPage(ctx: Context, page: PageName | { url: string; title: string }): Promise<void> {
  const { url, title } = typeof page === 'string' ? PAGES[page] : page;
  const m = marks(ctx.term.style);
  // The URL on a line of its own, so that it can be copied (or clicked) in one piece.
  ctx.term.out(`  ${m.arrow} ${title}:`);
  ctx.term.out(`    ${ctx.term.style.underline(url)}`);
  const opening = ctx.browser.open(url);
  // A question follows the page; its code loads while the browser starts.
  if (ctx.term.interactive) ctx.prompter('').warmUp();
  const outcome = await opening;
  if (outcome === 'opened') ctx.term.out(ctx.term.style.dim('    Opened in your browser.'));
  else if (outcome === 'failed') ctx.term.out(ctx.term.style.dim('    Could not open a browser: open the link above yourself.'));
  else ctx.term.out(ctx.term.style.dim(`    Open the link above in a browser on any device (${ctx.browser.skipReason}).`));
}

export function heading(ctx: Context, title: string, position?: string): void {
  const prefix = position ? `${position} · ` : '';
  ctx.term.out();
  ctx.term.out(ctx.term.style.bold(`${prefix}${title}`));
}

export async function markDone(ctx: Context, profile: string, stage: StageId): Promise<void> {
  try {
    await ctx.state.updateProfile(profile, (p) => {
      // Payment and billing are an organization's: done for the one the profile's key is in, when known.
      p.stages[stage] = { doneAt: ctx.clock.now().toISOString(), ...stageOrganization(p, stage) };
    });
  } catch (error) {
    if (!(error instanceof ConfigStoreError) || error.parts.fix === null) throw error;
    // The step the person just finished is what the failed write loses: said, with the store's own fix.
    // (Imported here, not at the top: index.ts imports the stages, which import this file.)
    const { STAGE_TITLES } = await import('./index.js');
    const { detail, fix } = error.parts;
    throw ConfigStoreError.of(`${detail}, so "${STAGE_TITLES[stage]}" was not recorded as done (openai-setup will ask about it again)`, fix, error.hints);
  }
}

/** `--done`: mark the stage done without opening its page or asking anything (for scripts). */
export async function markDoneByFlag(ctx: Context, stage: StageId, profile: string): Promise<StageOutcome> {
  await markDone(ctx, profile, stage);
  ctx.term.out(`${marks(ctx.term.style).ok} Marked as done.`);
  return 'done';
}

/**
 * The pause after a page opens: nothing moves on until the person says they are done there (or
 * skips). `hint` says what to run instead when there is no terminal.
 */
export async function waitForPage(ctx: Context, page: PageName, question: string, hint: string): Promise<StageOutcome> {
  const answer = await untilLeftPage(ctx, page, question, hint, { name: 'Done, continue', value: 'done' }, { name: 'Skip for now', value: 'skip' });
  return answer === 'done' ? 'done' : 'skipped';
}

/** Asks `question` with `done`, "Open the page again" (which opens it and asks again) and `leave`, until one of the two is chosen. */
export async function untilLeftPage<T extends string>(ctx: Context, page: Parameters<typeof showPage>[1], question: string, hint: string, done: { name: string; value: T }, leave: { name: string; value: T }): Promise<T> {
  const prompter = ctx.prompter(hint);
  for (;;) {
    const answer = await prompter.select<T | 'again'>(question, [done, { name: 'Open the page again', value: 'again' }, leave]);
    if (answer !== 'again') return answer;
    await showPage(ctx, page);
  }
}

/** Ask whether the work on the stage's page is done, and record it. */
export async function confirmStep(ctx: Context, stage: StageId, options: PageStageOptions, page: PageName): Promise<StageOutcome> {
  const outcome = await waitForPage(ctx, page, 'When you are done on that page:', `Do it on the page above, then run \`${toolCommand(ctx, `${stage} --done`, options.profile)}\` to mark it done.`);
  if (outcome === 'done') await markDone(ctx, options.profile, stage);
  return outcome;
}
