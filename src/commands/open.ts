// `openai-setup open [PAGE]`: print and open any page of the platform by name; without a name, a
// menu. The names are those of the one URL table, PAGES.
import type { Context } from '../context.js';
import { PAGE_NAMES, PAGES, type PageName } from '../platform.js';
import { showPage } from '../stages/page.js';
import { toolCommand } from '../terminal/advice.js';

function pageList(): string[] {
  const width = Math.max(...PAGE_NAMES.map((name) => name.length));
  return PAGE_NAMES.map((name) => `${name.padEnd(width)}  ${PAGES[name].title}`);
}

export async function run(ctx: Context, options: { page?: PageName }): Promise<number> {
  let page: PageName;
  if (options.page !== undefined) {
    page = options.page;
  } else {
    const prompter = ctx.prompter(`Name the page, e.g. \`${toolCommand(ctx, 'open keys')}\`. Pages:\n  ${pageList().join('\n  ')}`);
    page = await prompter.select<PageName>(
      'Which page?',
      PAGE_NAMES.map((name) => ({ name: `${name} — ${PAGES[name].title}`, value: name })),
    );
  }
  await showPage(ctx, page);
  return 0;
}
