// The one table of `insufficient_quota` reasons that are a spend or usage limit, not an empty
// balance: buying credits does not lift them. The status table routes these to 'limit'; the
// diagnosis, the wizard and `key` say what lifts each from here, so no reason is known in one
// place and missing in another.
import { PAGES, PLATFORM_ORIGIN, projectPageUrl } from '../platform.js';

/** The wizard's screen for a limit: `choice` is the first answer, `todo` what to do. */
export interface LimitScreen {
  choice: string;
  title: string;
  todo: string;
  advice: string;
  otherKey: string;
  page: { url: string; title: string };
}

interface LimitReason {
  /** What stops the key, as the end of a sentence: the diagnosis's message and the wizard's question. */
  what: string;
  /** The diagnosis's fix. */
  fix: string;
  /** The page that lifts it: a project's own limits page when the answer names the project. */
  page: (project: string | null) => string;
  /** How the message tells it apart when the answer's code is only the generic `insufficient_quota`. */
  messagePattern: RegExp | null;
  /** `key`, once the key is stored: what still has to happen (before "as described above"). */
  afterStore: string;
  /** The wizard's screen, from the page the diagnosis linked. */
  screen: (fixUrl: string | null) => LimitScreen;
}

const LIMITS_PAGE = { url: PAGES.limits.url, title: PAGES.limits.title };
const NO_CREDITS = 'Buying credits does not lift it.';

const ORGANIZATION_BUDGET_SCREEN: LimitScreen = {
  choice: "Raise the organization's monthly budget on the limits page",
  title: "Raise the organization's spend limit",
  todo: `Raise or remove the organization's monthly budget on ${PAGES.limits.url}`,
  advice: `On the limits page, raise the organization's monthly budget or remove it. ${NO_CREDITS}`,
  otherKey: 'Use a key from another organization',
  page: LIMITS_PAGE,
};

export const LIMIT_REASONS = {
  project_spend_limit_exceeded: {
    what: 'its project has reached its spend limit',
    fix: "Raise or remove the project's spend limit.",
    page: (project) => (project ? projectPageUrl(project, 'limits') : PAGES.limits.url),
    messagePattern: /\bproject has reached its\b.*\bspend limit/i,
    afterStore: "raise the project's limit",
    screen: (url) => {
      // Only a project the answer named has a page of its own to open.
      const known = url !== null && url !== PAGES.limits.url && url.startsWith(`${PLATFORM_ORIGIN}/settings/`);
      return {
        choice: known ? "Raise the project's spend limit on its limits page" : "Raise the project's spend limit (in the project's settings)",
        title: "Raise the project's spend limit",
        todo: known ? `Raise or remove the project's spend limit on ${url}` : "Raise or remove the spend limit of the key's project (the project's Limits settings)",
        advice: known
          ? `On the project's limits page, raise its spend limit or remove it. ${NO_CREDITS}`
          : `The answer did not say which project the key belongs to: on the platform, open that project's settings, then Limits, and raise or remove its spend limit. ${NO_CREDITS}`,
        otherKey: 'Use a key from another project',
        page: known ? { url, title: "The project's limits (its spend limit)" } : LIMITS_PAGE,
      };
    },
  },
  organization_spend_limit_exceeded: {
    what: 'the organization has reached its spend limit',
    fix: "Raise the organization's monthly budget on the limits page.",
    page: () => PAGES.limits.url,
    messagePattern: /\borganization has reached its\b.*\bspend limit/i,
    afterStore: 'lift the limit',
    screen: () => ORGANIZATION_BUDGET_SCREEN,
  },
  // The legacy 400: the organization's hard limit, today its monthly budget.
  billing_hard_limit_reached: {
    what: 'the organization has reached its billing hard limit (its monthly budget)',
    fix: `Raise or remove the organization's monthly budget on the limits page. ${NO_CREDITS}`,
    page: () => PAGES.limits.url,
    messagePattern: null,
    afterStore: 'lift the limit',
    screen: () => ORGANIZATION_BUDGET_SCREEN,
  },
  organization_usage_limit_exceeded: {
    what: "the organization has used up its usage tier's monthly allowance",
    fix: 'Wait for the next month, or qualify for a higher usage tier (see the limits page).',
    page: () => PAGES.limits.url,
    messagePattern: null,
    afterStore: 'lift the limit',
    screen: () => ({
      choice: 'See the usage tier and its monthly allowance on the limits page',
      title: "The usage tier's monthly allowance",
      todo: `Wait for next month, or qualify for a higher usage tier (${PAGES.limits.url})`,
      advice: "On the limits page: the organization's usage tier and its monthly allowance. The allowance starts again next month; a higher usage tier, which comes with more paid over time, raises it.",
      otherKey: 'Use a key from another organization',
      page: LIMITS_PAGE,
    }),
  },
} satisfies Record<string, LimitReason>;

export type LimitReasonName = keyof typeof LIMIT_REASONS;

/** The table's row for a reason, or null when the reason is no limit. */
export function limitReason(reason: string | null): LimitReason | null {
  return reason !== null && Object.hasOwn(LIMIT_REASONS, reason) ? LIMIT_REASONS[reason as LimitReasonName] : null;
}

/** The limit a generic `insufficient_quota` answer's message names, if any. */
export function limitNamedIn(message: string): LimitReasonName | null {
  return (Object.keys(LIMIT_REASONS) as LimitReasonName[]).find((reason) => LIMIT_REASONS[reason].messagePattern?.test(message)) ?? null;
}
