// `openai-setup completion bash|zsh|fish`: a completion script for the shell. Commands and flags
// are read from the commander tree itself (so they cannot drift from the real ones); profile names
// are asked at completion time from `openai-setup profiles --names`, which reads no key (only the
// state file, and after a damaged one was moved aside the keychain's and key file's entry names).
import type { Command, Option } from 'commander';
import type { Context } from '../context.js';
import { FISH_COMPLETION_INSTALL, SHELLS, type Shell } from '../options.js';
import { PAGE_NAMES } from '../platform.js';
import { selfCommand } from '../terminal/invocation.js';
import { asciiText } from '../terminal/charset.js';
import { npxAskedFor } from '../terminal/npx-spec.js';
import { marks } from '../terminal/output.js';
import { singleQuoted } from '../terminal/shell.js';


/** What can follow an option or stand as a command's operand. */
export type ValueKind = 'none' | 'profile' | 'file' | 'text' | 'choices' | 'page' | 'shell' | 'program' | 'command';

export interface CompletionOption {
  short: string | null;
  long: string | null;
  description: string;
  value: ValueKind;
  choices: string[];
}

export interface CompletionCommand {
  name: string;
  description: string;
  options: CompletionOption[];
  operand: ValueKind;
}

export interface CompletionTree {
  /** The program's own options, valid before and after the command (--profile, --no-browser). */
  globals: CompletionOption[];
  /** Shown only before a command (--version, --help). */
  programOnly: CompletionOption[];
  commands: CompletionCommand[];
}

/** Descriptions short enough for a completion menu: the text before any parenthesis or semicolon. */
function brief(text: string): string {
  const cut = text.split(/ \(|; /)[0]!.trim();
  return cut.length > 70 ? `${cut.slice(0, 67)}...` : cut;
}

function optionSpec(option: Option): CompletionOption {
  const takesValue = option.required || option.optional;
  const value: ValueKind = !takesValue
    ? 'none'
    : option.long === '--profile'
      ? 'profile'
      : option.long === '--file'
        ? 'file'
        : option.argChoices
          ? 'choices'
          : 'text';
  return { short: option.short ?? null, long: option.long ?? null, description: brief(option.description), value, choices: option.argChoices ?? [] };
}

function operandKind(command: Command): ValueKind {
  const argument = command.registeredArguments[0];
  if (!argument) return 'none';
  if (argument.variadic) return 'program';
  const byName: Record<string, ValueKind> = { profile: 'profile', page: 'page', shell: 'shell' };
  if (command.name() === 'help') return 'command';
  return byName[argument.name()] ?? 'none';
}

/** The commands, options and operands of the program, as `--help` shows them. */
export function completionTree(program: Command): CompletionTree {
  const help = program.createHelp();
  const programOptions = help.visibleOptions(program).map(optionSpec);
  const isGlobal = (o: CompletionOption) => o.long !== '--help' && o.long !== '--version';
  return {
    globals: programOptions.filter(isGlobal),
    programOnly: programOptions.filter((o) => !isGlobal(o)),
    commands: help.visibleCommands(program).map((command) => ({
      name: command.name(),
      description: brief(command.description()),
      options: help.visibleOptions(command).map(optionSpec),
      operand: operandKind(command),
    })),
  };
}

/**
 * The tree with its descriptions in ASCII (asciiText: `…` as `...`), for a locale whose charset is
 * not UTF-8: zsh and fish show a description's bytes as they are, which such a terminal shows as
 * wrong characters (and, for `…`, a C1 control). The script itself is written as it is
 * (term.script), so the descriptions are made ASCII here.
 */
export function asciiDescriptions(tree: CompletionTree): CompletionTree {
  const option = (o: CompletionOption): CompletionOption => ({ ...o, description: asciiText(o.description) });
  return {
    globals: tree.globals.map(option),
    programOnly: tree.programOnly.map(option),
    commands: tree.commands.map((c) => ({ ...c, description: asciiText(c.description), options: c.options.map(option) })),
  };
}

/** The command whose operands are another command (\`run\`): after its name, every word is that command's. */
const programCommand = (tree: CompletionTree) => tree.commands.find((c) => c.operand === 'program')?.name ?? 'run';

const flagsOf = (options: CompletionOption[]) => options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== null));

function choicesFor(kind: ValueKind, option?: CompletionOption): string[] {
  if (kind === 'choices') return option?.choices ?? [];
  if (kind === 'page') return PAGE_NAMES;
  if (kind === 'shell') return [...SHELLS];
  return [];
}

export function bashScript(tree: CompletionTree): string {
  const all = [...tree.globals, ...tree.commands.flatMap((c) => c.options)];
  const valueFlags = [...new Set(flagsOf(all.filter((o) => o.value !== 'none')))];
  const byValue = (kinds: ValueKind[]) => [...new Set(flagsOf(all.filter((o) => kinds.includes(o.value))))].join('|');
  // What follows a flag that takes a value: profile names, its choices, file names, or nothing.
  const prevArms = [
    [byValue(['profile']), 'COMPREPLY=($(compgen -W "$(_openai_setup_profiles)" -- "$cur")); return'],
    ...all.filter((o) => o.value === 'choices').map((o) => [flagsOf([o]).join('|'), `COMPREPLY=($(compgen -W ${singleQuoted(o.choices.join(' '))} -- "$cur")); return`]),
    [byValue(['file']), 'compopt -o default 2>/dev/null; COMPREPLY=(); return'],
    [byValue(['text']), 'COMPREPLY=(); return'],
  ]
    .filter(([pattern]) => pattern !== '')
    .map(([pattern, action]) => `    ${pattern}) ${action} ;;`);
  const commandNames = tree.commands.map((c) => c.name).join(' ');
  // `run` takes its program after `--`.
  const flagArms = tree.commands.map((c) => `    ${c.name}) flags=${singleQuoted([...flagsOf(c.options), ...(c.operand === 'program' ? ['--'] : [])].join(' '))} ;;`);
  const operandArms = tree.commands
    .filter((c) => c.operand !== 'none' && c.operand !== 'program')
    .map((c) => {
      const words = c.operand === 'profile' ? '"$(_openai_setup_profiles)"' : c.operand === 'command' ? singleQuoted(commandNames) : singleQuoted(choicesFor(c.operand).join(' '));
      return `    ${c.name}) ((operands == 0)) && COMPREPLY=($(compgen -W ${words} -- "$cur")) ;;`;
    });
  const globals = flagsOf(tree.globals).join(' ');
  const runName = programCommand(tree);
  return `# bash completion for openai-setup (from \`openai-setup completion bash\`).
# Load it from ~/.bashrc:  source <(openai-setup completion bash)

_openai_setup_profiles() {
  openai-setup profiles --names 2>/dev/null
}

# The program from word $1 on, completed as if typed alone (bash-completion's _command_offset, as
# \`sudo git chec<Tab>\` does; without it, command names, then file names).
_openai_setup_program() {
  if declare -F _command_offset >/dev/null; then
    _command_offset $1
  elif (($1 == COMP_CWORD)); then
    COMPREPLY=($(compgen -c -- "\${COMP_WORDS[COMP_CWORD]}"))
  else
    compopt -o default 2>/dev/null; COMPREPLY=()
  fi
}

_openai_setup() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local command= operands=0 flags= i word
  # --flag=value arrives as three words: --flag, =, value (and just after the =, the word is "=";
  # readline then completes the empty text after it).
  if [[ $cur == = ]]; then cur=; elif [[ $prev == = ]]; then prev=\${COMP_WORDS[COMP_CWORD-2]}; fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ $command == ${runName} && ($word == -- || $word != -*) ]]; then
      # After \`${runName} --\` or ${runName}'s command name (every word after it is that command's,
      # flags too): the rest of the line is that program's, with its own completion.
      [[ $word == -- ]] && ((i++))
      _openai_setup_program $i
      return
    fi
    case $word in
      ${valueFlags.join('|')}) [[ \${COMP_WORDS[i+1]} == = ]] && ((i++)); ((i++)) ;;
      -*) ;;
      *) if [[ -z $command ]]; then command=$word; else ((operands++)); fi ;;
    esac
  done
  case $prev in
${prevArms.join('\n')}
  esac
  case $command in
${flagArms.join('\n')}
    '') flags=${singleQuoted(flagsOf(tree.programOnly).join(' '))} ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags ${globals}" -- "$cur"))
    return
  fi
  case $command in
    '') COMPREPLY=($(compgen -W ${singleQuoted(commandNames)} -- "$cur")) ;;
    ${runName}) _openai_setup_program $COMP_CWORD ;;
${operandArms.join('\n')}
  esac
}

complete -F _openai_setup openai-setup
`;
}

/** Text safe inside a single-quoted zsh word and inside _arguments' [description]. */
const zshText = (text: string) => text.replaceAll("'", "'\\''").replaceAll('[', '(').replaceAll(']', ')').replaceAll(':', ' -');

function zshValueAction(kind: ValueKind, option?: CompletionOption): string {
  if (kind === 'profile') return ':profile:_openai-setup_profiles';
  if (kind === 'file') return ':file:_files';
  if (kind === 'text') return ':value: ';
  const choices = choicesFor(kind, option);
  return choices.length ? `:value:(${choices.join(' ')})` : '';
}

function zshOption(option: CompletionOption): string {
  const takes = option.value !== 'none';
  const description = `[${zshText(option.description)}]${takes ? zshValueAction(option.value, option) : ''}`;
  if (option.short && option.long) {
    return `'(${option.short} ${option.long})'{${option.short}${takes ? '+' : ''},${option.long}${takes ? '=' : ''}}'${description}'`;
  }
  const flag = (option.long ?? option.short)!;
  return `'${flag}${takes && option.long ? '=' : ''}${description}'`;
}

export function zshScript(tree: CompletionTree): string {
  const commandNames = tree.commands.map((c) => c.name).join(' ');
  const runName = programCommand(tree);
  const all = [...tree.globals, ...tree.commands.flatMap((c) => c.options)];
  const valueFlags = [...new Set(flagsOf(all.filter((o) => o.value !== 'none')))];
  const arms = tree.commands.map((c) => {
    const specs = ['$globals', ...c.options.map(zshOption)];
    if (c.operand === 'program') {
      specs.push("'1:separator:(--)'");
      // What follows `--` is handled at the top of the function.
      return `        ${c.name}) _arguments -S ${specs.join(' ')} ;;`;
    }
    if (c.operand === 'profile') specs.push("'1:profile:_openai-setup_profiles'");
    else if (c.operand === 'command') specs.push(`'1:command:(${commandNames})'`);
    else if (c.operand !== 'none') specs.push(`'1:${c.operand}:(${choicesFor(c.operand).join(' ')})'`);
    return `        ${c.name}) _arguments -S ${specs.join(' ')} ;;`;
  });
  return `#compdef openai-setup
# zsh completion for openai-setup (from \`openai-setup completion zsh\`).
# Load it from ~/.zshrc, after compinit:  source <(openai-setup completion zsh)
# or save it as _openai-setup in a directory of your $fpath.

_openai-setup_profiles() {
  local -a profiles
  profiles=(\${(f)"$(openai-setup profiles --names 2>/dev/null)"})
  _describe -t profiles 'profile' profiles
}

_openai-setup() {
  local curcontext=$curcontext state line
  # From \`${runName} --\`'s next word or ${runName}'s command name on (every word after that name is the
  # command's, flags too), the rest of the line is that program's: complete it as if typed alone
  # (before _arguments, which would take the global options and the -- for its own).
  local i at=0 command= word
  for (( i = 2; i < CURRENT; i++ )); do
    word=$words[i]
    if [[ $command == ${runName} && ( $word == -- || $word != -* ) ]]; then
      at=$i
      [[ $word == -- ]] && (( at++ ))
      break
    fi
    case $word in
      (${valueFlags.join('|')}) (( i++ )) ;;
      (-*) ;;
      (*) [[ -z $command ]] && command=$word ;;
    esac
  done
  # ${runName}'s command name is the word being typed (not a flag, nor a flag's value: i is past CURRENT then).
  (( at == 0 && i == CURRENT )) && [[ $command == ${runName} && $words[CURRENT] != -* ]] && at=$CURRENT
  if (( at )); then
    shift $(( at - 1 )) words
    (( CURRENT -= at - 1 ))
    _normal
    return
  fi
  # Not "commands": that name is zsh's own table of programs, which _normal needs after \`run --\`.
  local -a globals subcommands
  globals=(${tree.globals.map(zshOption).join(' ')})
  subcommands=(
${tree.commands.map((c) => `    ${singleQuoted(`${c.name}:${c.description}`)}`).join('\n')}
  )
  _arguments -C $globals ${tree.programOnly.map(zshOption).join(' ')} '1: :->command' '*:: :->operand' && return
  case $state in
    command) _describe -t commands 'openai-setup command' subcommands ;;
    operand)
      curcontext=\${curcontext%:*:*}:openai-setup-$words[1]:
      case $words[1] in
${arms.join('\n')}
      esac
      ;;
  esac
}

if [[ $funcstack[1] == _openai-setup ]]; then
  _openai-setup "$@"
else
  compdef _openai-setup openai-setup
fi
`;
}

/** Text safe inside a single-quoted fish word. */
const fishText = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

function fishOption(option: CompletionOption, condition: string | null): string {
  const parts = ['complete -c openai-setup'];
  if (condition) parts.push(`-n ${fishText(condition)}`);
  if (option.short) parts.push(`-s ${option.short.replace(/^-/, '')}`);
  if (option.long) parts.push(`-l ${option.long.replace(/^--/, '')}`);
  if (option.value === 'profile') parts.push("-x -a '(__openai_setup_profiles)'");
  else if (option.value === 'file') parts.push('-r -F');
  else if (option.value === 'choices') parts.push(`-x -a ${fishText(option.choices.join(' '))}`);
  else if (option.value === 'text') parts.push('-x');
  parts.push(`-d ${fishText(option.description)}`);
  return parts.join(' ');
}

export function fishScript(tree: CompletionTree): string {
  const all = [...tree.globals, ...tree.commands.flatMap((c) => c.options)];
  const valueFlags = [...new Set(flagsOf(all.filter((o) => o.value !== 'none')))];
  const lines: string[] = [];
  for (const c of tree.commands) {
    lines.push(`complete -c openai-setup -n "__openai_setup_is ''" -a ${c.name} -d ${fishText(c.description)}`);
  }
  const runName = programCommand(tree);
  for (const o of tree.programOnly) lines.push(fishOption(o, "__openai_setup_is ''"));
  // Ours until the program's words start (they are the program's, flags too).
  for (const o of tree.globals) lines.push(fishOption(o, 'not __openai_setup_in_program'));
  for (const c of tree.commands) {
    const when = c.name === runName ? `__openai_setup_is ${c.name}; and not __openai_setup_in_program` : `__openai_setup_is ${c.name}`;
    // A command takes one operand: once it is there, nothing more is offered.
    const first = `${when}; and __openai_setup_no_operand`;
    for (const o of c.options) lines.push(fishOption(o, when));
    if (c.operand === 'profile') lines.push(`complete -c openai-setup -n ${fishText(first)} -a '(__openai_setup_profiles)'`);
    else if (c.operand === 'command') lines.push(`complete -c openai-setup -n ${fishText(first)} -a ${fishText(tree.commands.map((x) => x.name).join(' '))}`);
    else if (c.operand === 'program') lines.push("complete -c openai-setup -n '__openai_setup_in_program' -x -a '(__openai_setup_program)'");
    else if (c.operand !== 'none') lines.push(`complete -c openai-setup -n ${fishText(first)} -a ${fishText(choicesFor(c.operand).join(' '))}`);
  }
  return `# fish completion for openai-setup (from \`openai-setup completion fish\`).
# Load it:  openai-setup completion fish | source
# or save it where fish reads it:  ${FISH_COMPLETION_INSTALL}

function __openai_setup_profiles
    openai-setup profiles --names 2>/dev/null
end

# One scan of the words given so far. Without an argument, those that are neither options nor an
# option's value: the command, then its operands. With \`program\`: where the program's words start,
# after \`${runName} --\` or at ${runName}'s command name (every word after that name is the command's, flags
# too): its index in the tokens, the one being typed included; failing while they have not started.
function __openai_setup_words
    set -l tokens (commandline -opc)
    set -l command
    set -l at
    set -l skip 0
    for i in (seq 2 (count $tokens))
        set -l word $tokens[$i]
        if test $skip = 1
            set skip 0
            continue
        end
        if test -z "$at"; and test "$command" = ${runName}
            if test "$word" = --
                set at (math $i + 1)
            else if not string match -q -- '-*' $word
                set at $i
            end
        end
        switch $word
            case ${valueFlags.join(' ')}
                set skip 1
            case '-*'
            case '*'
                test -z "$command"; and set command $word
                test "$argv[1]" = program; or echo $word
        end
    end
    test "$argv[1]" = program; or return 0
    # ${runName}'s command name is the token being typed (not a flag, nor a flag's value).
    if test -z "$at"; and test "$command" = ${runName} -a $skip = 0; and not string match -q -- '-*' (commandline -ct)
        set at (math (count $tokens) + 1)
    end
    test -n "$at"; and echo $at
end

function __openai_setup_is
    set -l words (__openai_setup_words)
    test "$words[1]" = "$argv[1]"
end

function __openai_setup_no_operand
    test (count (__openai_setup_words)) -le 1
end

function __openai_setup_in_program
    __openai_setup_words program >/dev/null
end

# The program and its arguments, completed as if typed alone.
function __openai_setup_program
    set -l tokens (commandline -opc) (commandline -ct)
    set -l at (__openai_setup_words program); or return
    __fish_complete_subcommand --commandline $tokens[$at..-1]
end

complete -c openai-setup -f
${lines.join('\n')}
`;
}

export async function run(ctx: Context, options: { shell: Shell; program: Command }): Promise<number> {
  const { shell } = options;
  const whole = completionTree(options.program);
  const tree = ctx.term.ascii ? asciiDescriptions(whole) : whole;
  const script = shell === 'bash' ? bashScript(tree) : shell === 'zsh' ? zshScript(tree) : fishScript(tree);
  ctx.term.script(script.trimEnd());
  // The script completes `openai-setup` typed as a command: where that is not what the person
  // types (npx, a script path: none on PATH, or another program or install there), say what
  // makes it work, installing the copy this run is (npx's tarball, say, or a clone's folder: not
  // the registry's package).
  if (ctx.commandName !== 'openai-setup') {
    const { install } = selfCommand(ctx.rawEnv, ctx.platform, ctx.binPath, npxAskedFor);
    ctx.term.err(`${marks(ctx.term.style).warn} This script completes the command openai-setup, and no openai-setup on your PATH here is this copy: install it first (${install}).`);
  }
  return 0;
}
