import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MalformedReplyError, ReplyReader, ReplyTooLargeError, formatReply, parseReplies } from '../../src/ftp/reply.js';

describe('parseReplies', () => {
  const cases: { name: string; input: string; codes: number[]; messages?: string[]; rest?: string }[] = [
    { name: 'single line', input: '220 Welcome\r\n', codes: [220], messages: ['Welcome'] },
    { name: 'bare LF line ending', input: '220 Welcome\n', codes: [220], messages: ['Welcome'] },
    { name: 'two replies in one chunk', input: '331 User ok\r\n230 Logged in\r\n', codes: [331, 230] },
    {
      name: 'multi-line with plain middle lines',
      input: '211-Features:\r\n MDTM\r\n EPSV\r\n211 End\r\n',
      codes: [211],
      messages: ['Features:\n MDTM\n EPSV\nEnd'],
    },
    {
      name: 'multi-line with ddd- middle lines',
      input: '230-Hello\r\n230-second\r\n230 done\r\n',
      codes: [230],
      messages: ['Hello\n230-second\ndone'],
    },
    {
      name: 'multi-line whose middle line starts with another code',
      input: '211-Status\r\n200 not the end\r\n211 End\r\n',
      codes: [211],
    },
    { name: 'unfinished single line', input: '220 Wel', codes: [], rest: '220 Wel' },
    { name: 'unfinished multi-line keeps its start', input: '211-a\r\n b\r\n', codes: [], rest: '211-a\r\n b\r\n' },
    { name: 'complete then partial', input: '220 hi\r\n331-x\r\n', codes: [220], rest: '331-x\r\n' },
    { name: 'blank lines between replies are ignored', input: '\r\n220 hi\r\n', codes: [220] },
    { name: 'empty message', input: '200 \r\n', codes: [200], messages: [''] },
    { name: 'a bare code, no space, no text', input: '220\r\n', codes: [220], messages: [''] },
    { name: 'a multi-line reply ending in a bare code', input: '211-Features:\r\n EPSV\r\n211\r\n', codes: [211], messages: ['Features:\n EPSV\n'] },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const result = parseReplies(testCase.input);
      expect(result.replies.map((reply) => reply.code)).toEqual(testCase.codes);
      if (testCase.messages) expect(result.replies.map((reply) => reply.message)).toEqual(testCase.messages);
      expect(result.rest).toBe(testCase.rest ?? '');
    });
  }

  it('rejects a line without a code', () => {
    expect(() => parseReplies('hello there\r\n')).toThrow(MalformedReplyError);
    expect(() => parseReplies('2200 four digits\r\n')).toThrow(MalformedReplyError);
    expect(() => parseReplies('000\r\n')).toThrow(MalformedReplyError);
    expect(() => parseReplies('999 no such class\r\n')).toThrow(MalformedReplyError);
    expect(parseReplies('631 protected (RFC 2228)\r\n').replies[0]?.code).toBe(631);
  });

  it('caps an endless multi-line reply', () => {
    const endless = '211-start\r\n' + ' more text\r\n'.repeat(10_000);
    expect(() => parseReplies(endless, 64 * 1024)).toThrow(ReplyTooLargeError);
  });

  it('caps a single line without end', () => {
    expect(() => parseReplies('220 ' + 'x'.repeat(70_000))).toThrow(ReplyTooLargeError);
  });

  it('yields the same replies however the stream is chunked (property)', () => {
    const replyArbitrary = fc.record({
      code: fc.integer({ min: 100, max: 599 }),
      lines: fc.array(fc.stringMatching(/^[ -~]{0,30}$/), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(replyArbitrary, { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }), (replies, cuts) => {
        const wire = replies.map((reply) => formatReply(reply.code, reply.lines)).join('');
        const whole = parseReplies(wire).replies;
        const reader = new ReplyReader();
        const chunked = [];
        let offset = 0;
        for (const cut of cuts) {
          chunked.push(...reader.push(wire.slice(offset, offset + cut)));
          offset += cut;
        }
        chunked.push(...reader.push(wire.slice(offset)));
        expect(chunked).toEqual(whole);
        expect(whole.map((reply) => reply.code)).toEqual(replies.map((reply) => reply.code));
        expect(reader.pendingText).toBe('');
      }),
      { numRuns: 300 },
    );
  });

  it('formatReply round-trips through the parser (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.array(fc.stringMatching(/^[ -~]{0,40}$/), { minLength: 1, maxLength: 6 }), (code, lines) => {
        const [reply] = parseReplies(formatReply(code, lines)).replies;
        expect(reply?.code).toBe(code);
        expect(reply?.lines.length).toBe(lines.length);
      }),
      { numRuns: 300 },
    );
  });
});
