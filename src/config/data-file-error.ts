/** A user data file that cannot be used; the message is the whole story, no stack needed. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'DataFileError';
  }
}
