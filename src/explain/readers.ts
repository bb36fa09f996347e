/**
 * Every input format `explain` reads, in one list: each reader detects its format from the first
 * bytes (see EvidenceReader in src/evidence/source.ts); the most confident wins, `--format` forces
 * one by name. Capture readers are in src/capture, log readers in src/logs; each adds itself here.
 */
import { PCAP_READER, PCAPNG_READER } from '../capture/reader.js';
import type { EvidenceReader } from '../evidence/source.js';
import { LOG_READERS } from '../logs/index.js';

export const READERS: readonly EvidenceReader[] = [PCAP_READER, PCAPNG_READER, ...LOG_READERS];
