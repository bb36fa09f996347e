/** A mistake in what the user asked for: main.ts prints its one sentence and exits 2, no stack. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
