/**
 * The shell side of completion: each script asks `regctl __complete` (src/cli/completion.ts)
 * for candidates, so commands, flags and the registries of the config are never out of date.
 */
import { FILES } from './completion.js';

/** bash: `source <(regctl completion bash)`, or save it in bash-completion's directory. */
export function bashScript(): string {
  return `# bash completion for regctl; load with: source <(regctl completion bash)
_regctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  # Re-split the line up to the cursor on blanks only: COMP_WORDBREAKS would cut
  # "localhost:5000/app" at the colon.
  local line="\${COMP_LINE:0:COMP_POINT}"
  local -a words
  read -r -a words <<< "$line"
  [[ "$line" =~ [[:space:]]$ ]] && words+=("")
  local out
  out="$(regctl __complete "\${words[@]:1}" 2>/dev/null)" || return 0
  if [[ "$out" == "${FILES}" ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return 0
  fi
  local word="\${words[\${#words[@]}-1]}"
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$out" -- "$word"))
  # bash replaces only the part after the last COMP_WORDBREAKS character (":" in host:port).
  if [[ "$word" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
    local strip="\${word%"\${word##*:}"}"
    local i
    for i in "\${!COMPREPLY[@]}"; do COMPREPLY[$i]="\${COMPREPLY[$i]#"$strip"}"; done
  fi
  # A registry ends in "/": let the repository follow without a space.
  if [[ \${#COMPREPLY[@]} -eq 1 && "\${COMPREPLY[0]}" == */ ]]; then compopt -o nospace 2>/dev/null; fi
  return 0
}
complete -F _regctl regctl
`;
}

/** zsh: `source <(regctl completion zsh)`, or save it as `_regctl` in a directory of $fpath. */
export function zshScript(): string {
  return `#compdef regctl
# zsh completion for regctl; load with: source <(regctl completion zsh)
_regctl() {
  local out
  out="$(regctl __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)" || return 1
  if [[ "$out" == "${FILES}" ]]; then
    _files
    return
  fi
  local -a all dirs plain
  all=("\${(@f)out}")
  dirs=(\${(M)all:#*/})
  plain=(\${all:#*/})
  (( \${#plain} )) && compadd -- "\${plain[@]}"
  (( \${#dirs} )) && compadd -S '' -- "\${dirs[@]}"
  return 0
}
if [[ "\${funcstack[1]}" == "_regctl" ]]; then
  _regctl "$@"
else
  compdef _regctl regctl
fi
`;
}

/** fish: `regctl completion fish | source`, or save it as ~/.config/fish/completions/regctl.fish. */
export function fishScript(): string {
  return `# fish completion for regctl; load with: regctl completion fish | source
function __regctl_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l out (regctl __complete $words[2..-1] 2>/dev/null)
    if test "$out" = "${FILES}"
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\\n' $out
end
complete -c regctl -f -a '(__regctl_complete)'
`;
}

/** The script for a shell. */
export function completionScript(shell: 'bash' | 'zsh' | 'fish'): string {
  return shell === 'bash' ? bashScript() : shell === 'zsh' ? zshScript() : fishScript();
}
