/**
 * A small, tolerant reader of XML configuration files (IIS applicationHost.config, FileZilla
 * Server settings): elements with their attributes, text, ancestors and line. Not a validating
 * parser: no DTDs, no entities beyond the five predefined ones, no namespaces. Bounded: at most
 * MAX_ELEMENTS elements and MAX_DEPTH levels, past which it stops and says so.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  /** Text directly inside (for leaf elements such as <min>5000</min>). */
  text: string;
  /** Names of the enclosing elements, outermost first. */
  ancestors: string[];
  line: number;
  /** The start tag as written. */
  tag: string;
}

export const MAX_ELEMENTS = 200_000;
export const MAX_DEPTH = 64;

export interface XmlReadResult {
  elements: XmlElement[];
  problems: { line: number; reason: string }[];
}

const TOKEN = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<[^>]*>?/g;
const ATTRIBUTE = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (whole, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[entity]) return named[entity];
    const code = entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Comments, CDATA and processing instructions: where each ends. */
const UNTIL: [open: string, close: string, what: string][] = [
  ['<!--', '-->', 'comment'],
  ['<![CDATA[', ']]>', 'CDATA section'],
  ['<?', '?>', 'processing instruction'],
];

/**
 * The text the token scan may see. A comment (CDATA, `<?`) that never ends is cut off where it
 * starts: the lazy `<!--[\s\S]*?-->` would otherwise scan to the end of the file from each of
 * thousands of `<!-- >` and be quadratic. A DOCTYPE (a DTD, entity declarations) is blanked, its
 * newlines kept: entities are never expanded (no "billion laughs") and never fetched.
 */
function scannable(input: string, problems: XmlReadResult['problems']): string {
  let text = input;
  const doctype = text.search(/<!DOCTYPE|<!ENTITY/);
  if (doctype !== -1) {
    const subset = text.indexOf('[', doctype);
    const firstEnd = text.indexOf('>', doctype);
    const end = subset !== -1 && (firstEnd === -1 || subset < firstEnd) ? text.indexOf(']>', subset) : firstEnd;
    const stop = end === -1 ? text.length : end + (subset !== -1 && end === text.indexOf(']>', subset) ? 2 : 1);
    problems.push({ line: countLines(text, doctype), reason: 'a DOCTYPE (DTD or entity declarations): not read; entities are never expanded or fetched, their references are read as written' });
    text = `${text.slice(0, doctype)}${text.slice(doctype, stop).replace(/[^\n]/g, ' ')}${text.slice(stop)}`;
  }
  let cut = text.length;
  for (const [open, close, what] of UNTIL) {
    const lastClose = text.lastIndexOf(close);
    const unclosed = text.indexOf(open, lastClose === -1 ? 0 : Math.max(0, lastClose - open.length + 1));
    if (unclosed !== -1 && unclosed < cut && text.indexOf(close, unclosed + open.length) === -1) {
      cut = unclosed;
      problems.push({ line: countLines(text, unclosed), reason: `a ${what} that never ends: the rest is not read` });
    }
  }
  return text.slice(0, cut);
}

function countLines(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) line += 1;
  return line;
}

/** password="…", Pass="…", salt, hash attributes: a tag quoted in a problem keeps none of them. */
function withoutCredentials(tag: string): string {
  return tag.replace(/((?:password|pass|passwd|salt|hash|secret)\s*=\s*)("[^"]*"?|'[^']*'?)/gi, '$1"***"');
}

export function readXml(input: string): XmlReadResult {
  const elements: XmlElement[] = [];
  const problems: XmlReadResult['problems'] = [];
  const text = scannable(input, problems);
  // Offsets only grow: count newlines from the last one (lineAt from the start each time is quadratic).
  let counted = 0;
  let line = 1;
  const lineAt = (offset: number): number => {
    for (; counted < offset; counted += 1) if (text.charCodeAt(counted) === 10) line += 1;
    return line;
  };
  const stack: { element: XmlElement; textFrom: number }[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const offset = match.index ?? 0;
    const [whole, closing, name, attributeText, selfClosing] = match;
    if (name === undefined) {
      if (!/^<(!--|!\[CDATA\[|\?|!DOCTYPE)/.test(whole)) problems.push({ line: lineAt(offset), reason: `cannot read ${JSON.stringify(withoutCredentials(whole.slice(0, 200)).slice(0, 40))} as an XML tag` });
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (!open || open.element.name !== name) {
        problems.push({ line: lineAt(offset), reason: `</${name}> does not close ${open ? `<${open.element.name}> (line ${open.element.line})` : 'any open element'}` });
        if (open) stack.push(open);
        continue;
      }
      open.element.text = decodeEntities(text.slice(open.textFrom, offset).replace(/<[^>]*>/g, '')).trim();
      continue;
    }
    if (elements.length >= MAX_ELEMENTS || stack.length >= MAX_DEPTH) {
      problems.push({ line: lineAt(offset), reason: elements.length >= MAX_ELEMENTS ? `more than ${MAX_ELEMENTS} elements: the rest is not read` : `nested more than ${MAX_DEPTH} deep: the rest is not read` });
      break;
    }
    const attributes: Record<string, string> = {};
    for (const attribute of (attributeText ?? '').matchAll(ATTRIBUTE)) attributes[attribute[1] ?? ''] = decodeEntities(attribute[2] ?? attribute[3] ?? '');
    const element: XmlElement = { name, attributes, text: '', ancestors: stack.map((open) => open.element.name), line: lineAt(offset), tag: whole.replace(/\s+/g, ' ') };
    elements.push(element);
    if (!selfClosing) stack.push({ element, textFrom: offset + whole.length });
  }
  for (const open of stack) problems.push({ line: open.element.line, reason: `<${open.element.name}> is never closed` });
  return { elements, problems };
}
