/** The redaction helpers live in src/text (below the client and the server, which use them too). */
export * from '../text/secrets.js';
