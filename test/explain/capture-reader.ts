/**
 * Test helper: a reader handing explain the sessions of a capture built in code (test/capture/
 * conversation.ts), run through the real capture analysis, so explain's tests need no pcap writer.
 */
import path from 'node:path';
import { CaptureAnalyzer } from '../../src/capture/analyze.js';
import type { EvidenceReader } from '../../src/evidence/source.js';
import type { Capture } from '../capture/conversation.js';

export function captureReader(capture: Capture): EvidenceReader {
  return {
    format: 'test-capture',
    description: 'a capture built in code',
    detect: () => 1,
    read: async (file) => {
      const analyzer = new CaptureAnalyzer({ file: path.basename(file) });
      for (const item of capture.items) analyzer.push(item);
      return {
        file,
        format: 'pcap',
        source: { kind: 'capture', label: `capture ${file}`, vantage: 'client', controlledExperiment: false, referenceServerProof: true, packets: true, timings: true, actedItself: false },
        sessions: analyzer.finish(),
        limits: [],
      };
    },
  };
}
