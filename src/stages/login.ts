// Stage 1: sign in to the API platform.
import type { Context } from '../context.js';
import { confirmStep, heading, showPage, type PageStageOptions, type StageOutcome } from './page.js';

export const LOGIN_TITLE = 'Log in to the OpenAI API platform';

export async function runLoginStage(ctx: Context, options: PageStageOptions): Promise<StageOutcome> {
  heading(ctx, LOGIN_TITLE, options.position);
  ctx.term.say('Sign in (or sign up) on the API platform. Your ChatGPT account works here: same email, same password. The API is billed separately from ChatGPT, which the next steps set up.');
  await showPage(ctx, 'login');
  return confirmStep(ctx, 'login', options, 'login');
}
