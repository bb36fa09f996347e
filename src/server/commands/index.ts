/** The whole command table: every verb the server understands, one handler each. */
import { activeCommands } from './active.js';
import { authCommands } from './auth.js';
import { listingCommands } from './listing.js';
import { miscCommands } from './misc.js';
import { navigationCommands } from './navigation.js';
import { passiveCommands } from './passive.js';
import type { CommandTable } from './table.js';
import { tlsCommands } from './tls.js';
import { transferCommands } from './transfer.js';
import { writeCommands } from './write.js';

export const COMMANDS: CommandTable = {
  ...authCommands,
  ...navigationCommands,
  ...listingCommands,
  ...transferCommands,
  ...passiveCommands,
  ...activeCommands,
  ...tlsCommands,
  ...writeCommands,
  ...miscCommands,
};

export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS).sort();
