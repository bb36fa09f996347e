/** Problems named in the message; a broken file with thousands of bad entries is not printed whole. */
export const MAX_PROBLEMS_SHOWN = 10;

/** A user data file that cannot be used; the message is the whole story, no stack needed. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN);
    const more = problems.length - shown.length;
    super(`${file}: ${shown.join('; ')}${more > 0 ? `; and ${more} more problem${more === 1 ? '' : 's'}` : ''}`);
    this.name = 'DataFileError';
  }
}
