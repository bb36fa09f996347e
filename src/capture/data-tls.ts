/**
 * TLS on a data connection, read off the first byte of its first few segments (TLS record types):
 * no payload is kept, and the check stops after a handful of segments.
 */
import type { ObservedTls } from '../evidence/observed.js';
import type { CapturedSegment } from './segment.js';
import type { SessionBuilder } from './session-builder.js';

export interface DataTlsWatch {
  event?: ObservedTls;
  looked: number;
}

const TLS_RECORD = { alert: 0x15, handshake: 0x16, applicationData: 0x17 } as const;
const TLS_SEGMENTS_LOOKED_AT = 8;

/**
 * A data connection whose first payload is a TLS handshake record is protected (PROT P): said once;
 * an alert before any application data is a failed handshake, application data a finished one.
 */
export function watchDataTls(data: { session: SessionBuilder; tls?: DataTlsWatch }, segment: CapturedSegment): void {
  const watch = (data.tls ??= { looked: 0 });
  if (watch.looked >= TLS_SEGMENTS_LOOKED_AT) return;
  watch.looked += 1;
  const type = segment.payload[0];
  const place = { frame: segment.frame, timeUs: segment.timeUs };
  if (!watch.event) {
    if (type !== TLS_RECORD.handshake) {
      watch.looked = TLS_SEGMENTS_LOOKED_AT; // clear text: nothing more to look for
      return;
    }
    watch.event = { kind: 'tls', channel: 'data', handshake: 'seen', detail: 'TLS handshake on the data connection', ...data.session.stamp(place) };
    data.session.add(watch.event);
    return;
  }
  if (type === TLS_RECORD.alert) {
    watch.event.handshake = 'failed';
    watch.event.detail = `TLS alert on the data connection (frame ${segment.frame}) before any data`;
    watch.looked = TLS_SEGMENTS_LOOKED_AT;
  } else if (type === TLS_RECORD.applicationData) {
    watch.event.handshake = 'ok';
    watch.looked = TLS_SEGMENTS_LOOKED_AT;
  }
}
