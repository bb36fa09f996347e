/** Why a control connection stopped being usable (shared by the session and its expectations). */
export class ControlLostError extends Error {
  constructor(
    readonly kind: 'closed' | 'reset' | 'reply-too-large' | 'malformed' | 'error' | 'desynchronized',
    message: string,
  ) {
    super(message);
    this.name = 'ControlLostError';
  }
}
