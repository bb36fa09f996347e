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

export function readXml(text: string): XmlReadResult {
  // Offsets only grow: count newlines from the last one (lineAt from the start each time is quadratic).
  let counted = 0;
  let line = 1;
  const lineAt = (offset: number): number => {
    for (; counted < offset; counted += 1) if (text.charCodeAt(counted) === 10) line += 1;
    return line;
  };
  const elements: XmlElement[] = [];
  const problems: XmlReadResult['problems'] = [];
  const stack: { element: XmlElement; textFrom: number }[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const offset = match.index ?? 0;
    const [whole, closing, name, attributeText, selfClosing] = match;
    if (name === undefined) {
      if (!/^<(!--|!\[CDATA\[|\?|!DOCTYPE)/.test(whole)) problems.push({ line: lineAt(offset), reason: `cannot read ${JSON.stringify(whole.slice(0, 40))} as an XML tag` });
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
