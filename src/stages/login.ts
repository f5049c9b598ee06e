// Stage 1: sign in to the API platform.
import type { Context } from '../context.js';
import { confirmStep, heading, markDoneByFlag, showPage, type PageStageOptions, type StageOutcome } from './page.js';

export const LOGIN_TITLE = 'Log in to the OpenAI API platform';

export async function runLoginStage(ctx: Context, options: PageStageOptions): Promise<StageOutcome> {
  if (options.done) return markDoneByFlag(ctx, 'login', options.profile);
  heading(ctx, LOGIN_TITLE, options.position);
  ctx.term.say(
    'Sign in (or sign up) on the API platform. A ChatGPT account works here: sign in the same way you do there, with the same email and password, or the same Google, Apple or Microsoft button.',
  );
  ctx.term.say(
    'A first sign-in may ask you to name an organization (your company, or just your name): the organization is what pays and what owns the keys. The API is billed separately from ChatGPT, which the next steps set up.',
  );
  await showPage(ctx, 'login');
  return confirmStep(ctx, 'login', options, 'login');
}
