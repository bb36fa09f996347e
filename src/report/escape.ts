/**
 * Per-format escaping, applied after `sanitizeText`. Each function only knows its own format's
 * metacharacters; none of them is enough on its own for text straight from the network.
 */

// Everything XML 1.0 does not allow in a document, even as a character reference.
const XML_ILLEGAL = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Removes characters that are illegal anywhere in an XML 1.0 document. */
export function stripXmlIllegal(text: string): string {
  return text.replace(XML_ILLEGAL, '');
}

/** Text content of an XML or HTML element. `>` is escaped too, so `]]>` cannot appear. */
export function escapeXmlText(text: string): string {
  return stripXmlIllegal(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double or single quotes; newlines kept as references, not normalised away. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** HTML text and attributes: the XML rules, with `&#39;` for the apostrophe (HTML 4 has no &apos;). */
export function escapeHtml(text: string): string {
  return escapeXmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
