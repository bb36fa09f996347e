/** The typed command table: one entry per verb, with the gate the dispatcher checks before it. */
import type { Session } from '../session.js';

export interface CommandSpec {
  /** Refused with 530 before login. */
  needsLogin: boolean;
  /** Refused with 550 on a read-only server. */
  needsWritable?: boolean;
  handler: (session: Session, argument: string) => Promise<void> | void;
}

export type CommandTable = Readonly<Record<string, CommandSpec>>;
