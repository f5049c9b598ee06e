// The four stages in order, each with its title (from its own file).
import type { StageId } from '../storage/state.js';
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
