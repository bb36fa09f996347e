import { describe, it, expect } from 'vitest';
import { parseXml, findAll } from './xml.js';

// The well-formedness checker is only worth something if it rejects what a real parser rejects.
describe('test XML parser', () => {
  it('parses elements, attributes, entities and text', () => {
    const root = parseXml('<?xml version="1.0"?>\n<a x="1 &amp; 2" y=\'&#10;\'><b>t &lt;&#x41;</b><b/></a>\n');
    expect(root.name).toBe('a');
    expect(root.attributes).toEqual({ x: '1 & 2', y: '\n' });
    expect(findAll(root, 'b')).toHaveLength(2);
    expect(root.children[0]?.text).toBe('t <A');
  });

  it.each([
    ['mismatched tags', '<a><b></a></b>'],
    ['unclosed element', '<a><b></b>'],
    ['bare ampersand', '<a>fish & chips</a>'],
    ['unknown entity', '<a>&nbsp;</a>'],
    ['raw < in attribute', '<a x="<"/>'],
    ['unquoted attribute', '<a x=1/>'],
    ['duplicate attribute', '<a x="1" x="2"/>'],
    ['NUL character', '<a>\u0000</a>'],
    ['reference to NUL', '<a>&#0;</a>'],
    ['escape character', '<a>\u001b[2J</a>'],
    ['CDATA end in text', '<a>]]></a>'],
    ['two roots', '<a/><b/>'],
  ])('rejects %s', (_name, document) => {
    expect(() => parseXml(document)).toThrow();
  });
});
