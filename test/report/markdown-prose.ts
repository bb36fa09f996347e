/** Markdown with fenced blocks and code spans removed (CommonMark rules: backslash escapes a backtick). */
export function withoutCode(markdown: string): string {
  const prose = markdown.replace(/^ *(`{3,})[^\n]*\n[\s\S]*?\n *\1`*\s*$/gm, '');
  let output = '';
  for (let index = 0; index < prose.length; index++) {
    const character = prose[index]!;
    if (character === '\\') {
      output += prose.slice(index, index + 2);
      index++;
      continue;
    }
    if (character !== '`') {
      output += character;
      continue;
    }
    const run = /^`+/.exec(prose.slice(index))![0];
    const close = prose.indexOf(run, index + run.length);
    if (close < 0) {
      output += run;
      index += run.length - 1;
    } else index = close + run.length - 1;
  }
  return output;
}
