// Continue's config (~/.continue/config.yaml, config.json) lists models of many providers, each
// with its own apiKey: a key in a model entry whose `provider` is another service's (anthropic,
// deepseek, azure…) is that service's key, whatever its shape. Pure.

/** The provider named in the model entry holding the key at `line` (1-based), `column` (0-based) of Continue's config, when it is not OpenAI's; else null (OpenAI's, none named, or no entry found). */
export function continueOtherProvider(text: string, line: number, column: number, json: boolean): string | null {
  const provider = json ? jsonProvider(text, line, column) : yamlProvider(text, line);
  return provider !== null && provider.toLowerCase() !== 'openai' ? provider : null;
}

const indentOf = (l: string) => /^\s*/.exec(l)![0].length;
const blankOrComment = (l: string) => /^\s*(?:#.*)?$/.test(l);

/** YAML: the list item (`- name: …`) the line is in, up to the next line indented as far as its dash or less. */
function yamlProvider(text: string, line: number): string | null {
  const lines = text.split('\n');
  const at = line - 1;
  if (at < 0 || at >= lines.length) return null;
  // Up through the mappings the line is nested in (each less indented) to the list item holding them.
  let own = indentOf(lines[at]!);
  let start = -1;
  for (let i = at; i >= 0; i--) {
    const item = /^(\s*)-(?:\s|$)/.exec(lines[i]!);
    if (item && (i === at || item[1]!.length < own)) {
      start = i;
      break;
    }
    if (!blankOrComment(lines[i]!)) own = Math.min(own, indentOf(lines[i]!));
  }
  if (start < 0) return null;
  const dash = indentOf(lines[start]!);
  for (let i = start; i < lines.length; i++) {
    if (i > start && !blankOrComment(lines[i]!) && indentOf(lines[i]!) <= dash) break;
    const m = /^\s*(?:-\s+)?["']?provider["']?\s*:\s*["']?([A-Za-z0-9_.-]+)/.exec(lines[i]!);
    if (m) return m[1]!;
  }
  return null;
}

/** JSON: the innermost object holding the key (at `column` of the line; strings skipped), and a "provider" in it. */
function jsonProvider(text: string, line: number, column: number): string | null {
  let offset = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return null;
    offset = next + 1;
  }
  offset += column;
  const stack: number[] = [];
  let open: number | undefined;
  for (let i = 0; i < text.length; i++) {
    if (open === undefined && i >= offset) open = stack.at(-1) ?? -1;
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{') stack.push(i);
    else if (c === '}') {
      const start = stack.pop();
      if (open !== undefined && start === open) return /"provider"\s*:\s*"([^"]*)"/.exec(text.slice(start, i + 1))?.[1] ?? null;
    }
  }
  return null;
}
