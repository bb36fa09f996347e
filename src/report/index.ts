/** The report renderers, for cli/ and anyone scripting ftp-doctor. */
export { renderTable, shouldUseColor, type TableOptions } from './table.js';
export { renderJson } from './json.js';
export { renderJUnit, junitSuites } from './junit.js';
export { renderMarkdown } from './markdown.js';
export { renderHtml } from './html.js';
export { githubAnnotations, appendStepSummary } from './ci.js';
export { writeReportDir, type ReportPaths } from './write.js';
export { normalizeForSample } from './normalize.js';
export { sanitizeText, sanitizeReport, stripAnsi, redactPassword, redactPasswordsInText } from './sanitize.js';
