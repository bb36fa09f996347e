/**
 * The one error a log reader throws about its input: which file, which line, and why, so the CLI
 * prints one sentence ("client.log: line 1: not a log we know (binary data)") instead of a stack.
 */
export class LogFormatError extends Error {
  override readonly name = 'LogFormatError';

  constructor(
    /** The file as the user named it. */
    readonly file: string,
    /** 1-based line of the problem; 0 when it concerns the whole file. */
    readonly line: number,
    /** What is wrong, for people. */
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}: line ${line}: ${reason}` : `${file}: ${reason}`);
  }
}
