/**
 * The shape of one row of the finding registry: what a code means, independent of any run. A run's
 * finding adds its own title, explanation, evidence and remedies (src/report/model.ts `Finding`).
 */
import type { DataMode } from '../ftp/data-mode.js';
import type { Severity } from './severity.js';

/** Where on the way from name lookup to a finished transfer the problem sits. */
export type Stage = 'resolve' | 'control' | 'tls' | 'login' | 'session' | 'data' | 'transit' | 'transfer' | 'sweep' | 'diagnosis';

/** The commands whose reports can carry the code (`check` carries everything `probe` does; `explain`: only explain's readings of captures and logs). */
export type Emitter = 'probe' | 'sweep' | 'explain';

export interface FindingEntry {
  /** One line, for listings and the README's table. */
  title: string;
  /** The usual severity; `severityNote` says when a run reports another. */
  severity: Severity;
  severityNote?: string;
  stage: Stage;
  /**
   * The data modes the finding speaks for: 'all' when it concerns every mode alike (a control
   * connection that never opened), 'none' when no data mode (a sweep's coverage), else the list.
   */
  modes: 'all' | 'none' | readonly DataMode[];
  emittedBy: readonly Emitter[];
  /** One paragraph: what was seen and what it means. */
  meaning: string;
  /** What usually makes it happen, most likely first. */
  causes: readonly string[];
  /** RFC sections, vendor documents by title and publisher, product documentation by page title. */
  references: readonly string[];
}
