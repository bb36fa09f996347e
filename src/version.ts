/** The tool's version, as reported in every report. Kept in sync with package.json by a test. */
export const VERSION = '0.1.0';
export const TOOL = 'ftp-doctor' as const;
