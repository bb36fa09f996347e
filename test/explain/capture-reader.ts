/**
 * Test helper: a reader handing explain the sessions of a capture built in code (test/capture/
 * conversation.ts), run through the real capture analysis, so explain's tests need no pcap writer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CaptureAnalyzer } from '../../src/capture/analyze.js';
import type { EvidenceReader } from '../../src/evidence/source.js';
import { runExplain } from '../../src/explain/run.js';
import type { ExplainReport } from '../../src/report/model.js';
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

/** explain on `capture`, given as a stand-in file `client.pcap` in a scratch directory removed afterwards. */
export async function explainCapture(capture: Capture): Promise<ExplainReport> {
  const dir = await mkdtemp(path.join(tmpdir(), 'explain-capture-'));
  try {
    const file = path.join(dir, 'client.pcap');
    await writeFile(file, 'stand-in');
    return await runExplain([file], { readers: [captureReader(capture)] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A TLS record of `type` (0x16 handshake, 0x17 application data) with a `body`-byte body. */
export const tlsRecord = (type: number, body: number): Buffer => Buffer.concat([Buffer.from([type, 0x03, 0x03, 0x00, body]), Buffer.alloc(body, 0xaa)]);
