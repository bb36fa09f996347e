/**
 * A small strict XML 1.0 parser for the tests (no dependency): elements, attributes, text,
 * comments, the XML declaration. It throws on anything a conforming parser would reject that our
 * renderer could plausibly produce: illegal characters, bad or unknown entity references, a raw
 * `<` or `&`, `]]>` in text, mismatched or unclosed tags, duplicate or unquoted attributes, more
 * than one root.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Decoded text content directly inside this element. */
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/;
const ILLEGAL = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: number): string {
  if (raw.includes('<')) throw new Error(`raw '<' at ${where}`);
  return raw.replace(/&([^;]*);|&/g, (whole, body: string | undefined) => {
    if (body === undefined) throw new Error(`bare '&' at ${where}`);
    let text: string | undefined;
    if (/^#x[0-9a-fA-F]+$/.test(body)) text = String.fromCodePoint(parseInt(body.slice(2), 16));
    else if (/^#\d+$/.test(body)) text = String.fromCodePoint(Number(body.slice(1)));
    else text = NAMED[body];
    if (text === undefined) throw new Error(`unknown entity &${body}; at ${where}`);
    if (ILLEGAL.test(text)) throw new Error(`reference to an illegal character &${body}; at ${where}`);
    return text;
  });
}

export function parseXml(document: string): XmlElement {
  const illegal = ILLEGAL.exec(document);
  if (illegal) throw new Error(`illegal character U+${illegal[0].codePointAt(0)?.toString(16)} at ${illegal.index}`);
  let position = 0;
  const rest = (): string => document.slice(position);
  const skipSpace = (): void => {
    while (position < document.length && /\s/.test(document[position] as string)) position++;
  };
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (rest().startsWith('<!--')) {
        const end = document.indexOf('-->', position);
        if (end < 0) throw new Error('unclosed comment');
        position = end + 3;
      } else return;
    }
  };
  if (rest().startsWith('<?xml')) {
    const end = document.indexOf('?>', position);
    if (end < 0) throw new Error('unclosed XML declaration');
    position = end + 2;
  }
  skipMisc();

  const parseElement = (): XmlElement => {
    if (document[position] !== '<') throw new Error(`expected '<' at ${position}`);
    position++;
    const name = NAME.exec(rest())?.[0];
    if (!name) throw new Error(`bad element name at ${position}`);
    position += name.length;
    const element: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      const before = position;
      skipSpace();
      if (rest().startsWith('/>')) {
        position += 2;
        return element;
      }
      if (document[position] === '>') {
        position++;
        break;
      }
      if (position === before) throw new Error(`expected whitespace before attribute at ${position}`);
      const attribute = NAME.exec(rest())?.[0];
      if (!attribute) throw new Error(`bad attribute name at ${position}`);
      position += attribute.length;
      skipSpace();
      if (document[position] !== '=') throw new Error(`expected '=' at ${position}`);
      position++;
      skipSpace();
      const quote = document[position];
      if (quote !== '"' && quote !== "'") throw new Error(`unquoted attribute value at ${position}`);
      const end = document.indexOf(quote, position + 1);
      if (end < 0) throw new Error('unterminated attribute value');
      if (attribute in element.attributes) throw new Error(`duplicate attribute ${attribute}`);
      element.attributes[attribute] = decode(document.slice(position + 1, end), position);
      position = end + 1;
    }
    for (;;) {
      const next = document.indexOf('<', position);
      if (next < 0) throw new Error(`unclosed element <${name}>`);
      const raw = document.slice(position, next);
      if (raw.includes(']]>')) throw new Error(`']]>' in text at ${position}`);
      element.text += decode(raw, position);
      position = next;
      if (rest().startsWith('</')) {
        position += 2;
        const closing = NAME.exec(rest())?.[0];
        if (closing !== name) throw new Error(`</${closing}> closes <${name}> at ${position}`);
        position += closing.length;
        skipSpace();
        if (document[position] !== '>') throw new Error(`expected '>' at ${position}`);
        position++;
        return element;
      }
      if (rest().startsWith('<!--')) {
        skipMisc();
        continue;
      }
      if (rest().startsWith('<![CDATA[')) {
        const end = document.indexOf(']]>', position);
        if (end < 0) throw new Error('unclosed CDATA');
        element.text += document.slice(position + 9, end);
        position = end + 3;
        continue;
      }
      element.children.push(parseElement());
    }
  };

  const root = parseElement();
  skipMisc();
  if (position !== document.length) throw new Error(`content after the root element at ${position}`);
  return root;
}

/** All descendants (depth first) with a given name. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((child) => [...(child.name === name ? [child] : []), ...findAll(child, name)]);
}
