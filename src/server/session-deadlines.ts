/**
 * A control session's two deadlines. Before login: a total from accept, which nothing the
 * client sends extends, so a client that dribbles bytes (or keeps failing) cannot hold one of
 * the server's sessions. After login: an idle time, restarted by each whole command line (never
 * by bytes that do not end a line) and held while a transfer runs.
 */
import { formatWait } from './data-channel.js';
import type { Session } from './session.js';

export class SessionDeadlines {
  private idleTimer: NodeJS.Timeout | undefined;
  private loginTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly session: Session) {}

  /** At accept (the session's acceptedAt): the pre-login deadline starts. */
  start(): void {
    const { session } = this;
    const limit = session.server.limits.preLoginTimeoutMs;
    const left = Math.max(0, session.acceptedAt + limit - Date.now());
    this.loginTimer = setTimeout(() => {
      if (session.loggedIn || this.stopped) return;
      session.log('info', 'timeout', `not logged in within ${formatWait(limit)} of connecting; closing`);
      void session.close(`Timeout: not logged in within ${formatWait(limit)}; closing control connection.`);
    }, left);
    this.loginTimer.unref?.();
  }

  /** A command line arrived or the login succeeded: restart the idle time of a logged-in session. */
  activity(): void {
    const { session } = this;
    if (this.stopped || !session.loggedIn) return;
    clearTimeout(this.loginTimer);
    clearTimeout(this.idleTimer);
    const limit = session.server.limits.idleTimeoutMs;
    this.idleTimer = setTimeout(() => {
      if (session.transfer) return this.activity();
      session.log('info', 'timeout', `idle for ${formatWait(limit)}; closing`);
      void session.close('Timeout; closing control connection.');
    }, limit);
    this.idleTimer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.loginTimer);
  }
}
