// Renders shell completion scripts from a description of berth's commands. The scripts are
// static (they do not run berth at each Tab) except to list service names, which they ask
// `berth completion --list-services` for, so a Tab on `berth logs ` offers web, worker…

export type Shell = "bash" | "zsh" | "fish";
export const SHELLS: readonly Shell[] = ["bash", "zsh", "fish"];

export interface CompletionOption {
  short?: string;
  long?: string;
  description: string;
  takesValue: boolean;
}

export interface CompletionCommand {
  /** The name, then its aliases. */
  names: string[];
  description: string;
  options: CompletionOption[];
  subcommands: CompletionCommand[];
  /** What the positional arguments are: service names, a program to run, or nothing to offer. */
  argument: "services" | "program" | "none";
}

export interface CompletionSpec {
  globalOptions: CompletionOption[];
  commands: CompletionCommand[];
}

const LIST_SERVICES = "berth completion --list-services 2>/dev/null";

export function renderCompletion(shell: Shell, spec: CompletionSpec): string {
  if (shell === "bash") return renderBash(spec);
  if (shell === "zsh") return renderZsh(spec);
  return renderFish(spec);
}

function flagsOf(options: CompletionOption[]): string[] {
  return options.flatMap((option) => [option.short, option.long].filter((flag): flag is string => flag !== undefined));
}

function valueFlagsOf(options: CompletionOption[]): string[] {
  return flagsOf(options.filter((option) => option.takesValue));
}

/** The case arm for one command's words (bash and zsh share the scanning logic). */
function caseLabel(command: CompletionCommand): string {
  return command.names.join("|");
}

function renderBash(spec: CompletionSpec): string {
  const arms = spec.commands.map((command) => {
    const lines = [`    ${caseLabel(command)})`];
    if (command.subcommands.length > 0) {
      lines.push(`      if [[ -z $sub ]]; then words="${command.subcommands.flatMap((sub) => sub.names).join(" ")}"; fi`);
      lines.push(`      case "$sub" in`);
      for (const sub of command.subcommands) lines.push(`        ${caseLabel(sub)}) opts="${flagsOf(sub.options).join(" ")}"; values="${valueFlagsOf(sub.options).join(" ")}" ;;`);
      lines.push(`      esac ;;`);
      return lines.join("\n");
    }
    lines.push(`      opts="${flagsOf(command.options).join(" ")}"; values="${valueFlagsOf(command.options).join(" ")}"; argument=${command.argument} ;;`);
    return lines.join("\n");
  });
  return `# bash completion for berth. Load it with: eval "$(berth completion bash)"
# or save it: berth completion bash > ~/.local/share/bash-completion/completions/berth
_berth() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local command="" sub="" opts="" values="" words="" argument=none i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -f|--file|-s|--stack) [[ -z $command ]] && ((i++)) ;;
      -*) ;;
      *) if [[ -z $command ]]; then command="\${COMP_WORDS[i]}"; elif [[ -z $sub ]]; then sub="\${COMP_WORDS[i]}"; fi ;;
    esac
  done
  if [[ -z $command ]]; then
    case "$prev" in
      ${valueFlagsOf(spec.globalOptions).join("|")}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    if [[ $cur == -* ]]; then words="${flagsOf(spec.globalOptions).join(" ")}"; else words="${spec.commands.flatMap((command) => command.names).join(" ")} help"; fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    return
  fi
  case "$command" in
${arms.join("\n")}
  esac
  if [[ $argument == program ]]; then
    [[ -z $sub ]] && COMPREPLY=($(compgen -c -- "$cur")) || COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  if [[ -n $values && " $values " == *" $prev "* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n $words ]]; then COMPREPLY=($(compgen -W "$words" -- "$cur"))
  elif [[ $argument == services ]]; then COMPREPLY=($(compgen -W "$(${LIST_SERVICES})" -- "$cur"))
  fi
}
complete -F _berth berth
`;
}

function zshDescribe(name: string, description: string): string {
  return quoteSingle(`${name.replace(/:/g, "\\:")}:${description}`);
}

function zshOptions(options: CompletionOption[]): string {
  return options.flatMap((option) => [option.short, option.long].filter((flag): flag is string => flag !== undefined).map((flag) => zshDescribe(flag, option.description))).join(" ");
}

function renderZsh(spec: CompletionSpec): string {
  const arms = spec.commands.map((command) => {
    if (command.subcommands.length > 0) {
      const subs = command.subcommands.flatMap((sub) => sub.names.map((name) => zshDescribe(name, sub.description))).join(" ");
      const subArms = command.subcommands.map((sub) => `        ${caseLabel(sub)}) opts=(${zshOptions(sub.options)}); values=(${valueFlagsOf(sub.options).join(" ")}) ;;`);
      return [`    ${caseLabel(command)})`, `      [[ -z $sub ]] && items=(${subs})`, `      case "$sub" in`, ...subArms, `      esac ;;`].join("\n");
    }
    return `    ${caseLabel(command)}) opts=(${zshOptions(command.options)}); values=(${valueFlagsOf(command.options).join(" ")}); argument=${command.argument} ;;`;
  });
  const commands = spec.commands.flatMap((command) => command.names.map((name) => zshDescribe(name, command.description)));
  return `#compdef berth
# zsh completion for berth. Load it with: eval "$(berth completion zsh)" (after compinit)
# or save it as _berth in a directory of your $fpath: berth completion zsh > ~/.zfunc/_berth
_berth() {
  local command="" sub="" argument=none i
  local -a opts values items
  for ((i = 2; i < CURRENT; i++)); do
    case "\${words[i]}" in
      -f|--file|-s|--stack) [[ -z $command ]] && ((i++)) ;;
      -*) ;;
      *) if [[ -z $command ]]; then command="\${words[i]}"; elif [[ -z $sub ]]; then sub="\${words[i]}"; fi ;;
    esac
  done
  if [[ -z $command ]]; then
    case "\${words[CURRENT-1]}" in
      ${valueFlagsOf(spec.globalOptions).join("|")}) _files; return ;;
    esac
    if [[ $PREFIX == -* ]]; then opts=(${zshOptions(spec.globalOptions)}); _describe -t options option opts
    else items=(${commands.join(" ")} 'help:display help for command'); _describe -t commands command items
    fi
    return
  fi
  case "$command" in
${arms.join("\n")}
  esac
  if [[ $argument == program ]]; then
    if [[ -z $sub ]]; then _command_names -e; else _files; fi
    return
  fi
  if (( \${values[(Ie)\${words[CURRENT-1]}]} )); then _files; return; fi
  if [[ $PREFIX == -* ]]; then _describe -t options option opts
  elif (( \${#items} )); then _describe -t commands command items
  elif [[ $argument == services ]]; then items=(\${(f)"$(${LIST_SERVICES})"}); _describe -t services service items
  fi
}
if [[ "\${funcstack[1]}" == _berth ]]; then _berth "$@"; else compdef _berth berth; fi
`;
}

function renderFish(spec: CompletionSpec): string {
  const lines = [
    "# fish completion for berth. Load it with: berth completion fish | source",
    "# or save it: berth completion fish > ~/.config/fish/completions/berth.fish",
    "complete -c berth -f",
  ];
  const fishOption = (condition: string, option: CompletionOption) => {
    const parts = ["complete -c berth", `-n ${quoteSingle(condition)}`];
    if (option.short) parts.push(`-s ${option.short.slice(1)}`);
    if (option.long) parts.push(`-l ${option.long.slice(2)}`);
    if (option.takesValue) parts.push("-r -F");
    parts.push(`-d ${quoteSingle(option.description)}`);
    return parts.join(" ");
  };
  for (const option of spec.globalOptions) lines.push(fishOption("__fish_use_subcommand", option));
  for (const command of spec.commands) {
    const seen = `__fish_seen_subcommand_from ${command.names.join(" ")}`;
    for (const name of command.names) lines.push(`complete -c berth -n __fish_use_subcommand -a ${name} -d ${quoteSingle(command.description)}`);
    for (const option of command.options) lines.push(fishOption(seen, option));
    const subNames = command.subcommands.flatMap((sub) => sub.names).join(" ");
    for (const sub of command.subcommands) {
      for (const name of sub.names) lines.push(`complete -c berth -n ${quoteSingle(`${seen}; and not __fish_seen_subcommand_from ${subNames}`)} -a ${name} -d ${quoteSingle(sub.description)}`);
      for (const option of sub.options) lines.push(fishOption(`${seen}; and __fish_seen_subcommand_from ${sub.names.join(" ")}`, option));
    }
    if (command.argument === "services") lines.push(`complete -c berth -n ${quoteSingle(seen)} -a ${quoteSingle(`(${LIST_SERVICES})`)}`);
    if (command.argument === "program") lines.push(`complete -c berth -n ${quoteSingle(seen)} -a '(__fish_complete_subcommand --fcs-skip=2)'`);
  }
  return lines.join("\n") + "\n";
}

function quoteSingle(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
