/**
 * Every input format `explain` reads, in one list: each reader detects its format from the first
 * bytes (see EvidenceReader in src/evidence/source.ts); the most confident wins, `--format` forces
 * one by name. Capture readers are in src/capture, log readers in src/logs; each adds itself here.
 */
import type { EvidenceReader } from '../evidence/source.js';

export const READERS: readonly EvidenceReader[] = [];
