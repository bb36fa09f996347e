/**
 * JSON.parse keeps no positions; the cloud and nft JSON readers name the line of each fact, so one
 * scan maps every value's JSON pointer ("/SecurityGroups/0/IpPermissions/1") to the line it starts
 * on. The input has passed parseJson (valid, depth-bounded) before this runs.
 */
export function jsonValueLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const stack: { array: boolean; key: string; index: number }[] = [];
  let line = 1;
  let expectKey = false;
  const here = () => stack.map((frame) => (frame.array ? String(frame.index) : frame.key)).join('/');
  const record = () => {
    const path = stack.length === 0 ? '' : `/${here()}`;
    if (!lines.has(path)) lines.set(path, line);
  };
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '\n') line++;
    else if (char === '"') {
      let end = index + 1;
      let value = '';
      for (; end < text.length && text[end] !== '"'; end++) {
        if (text[end] === '\\') {
          value += text[end + 1] === '/' ? '/' : text[end + 1] === '~' ? '~' : `\\${text[end + 1] ?? ''}`;
          end++;
        } else value += text[end];
      }
      if (expectKey) {
        const frame = stack[stack.length - 1];
        if (frame) frame.key = value.replace(/~/g, '~0').replace(/\//g, '~1');
        expectKey = false;
      } else record();
      index = end;
    } else if (char === '{' || char === '[') {
      record();
      stack.push({ array: char === '[', key: '', index: 0 });
      expectKey = char === '{';
    } else if (char === '}' || char === ']') stack.pop();
    else if (char === ',') {
      const frame = stack[stack.length - 1];
      if (frame?.array) frame.index++;
      else expectKey = true;
    } else if (char !== ':' && char !== ' ' && char !== '\t' && char !== '\r') {
      record();
      while (index + 1 < text.length && !/[,\]}\s]/.test(text[index + 1] as string)) index++;
    }
  }
  return lines;
}
