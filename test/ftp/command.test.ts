import { describe, expect, it } from 'vitest';
import { CommandLineReader, UnsafeArgumentError, encodeCommand, parseCommandLine } from '../../src/ftp/command.js';

describe('encodeCommand', () => {
  it('encodes verb and argument with CRLF', () => {
    expect(encodeCommand('user', 'anonymous')).toBe('USER anonymous\r\n');
    expect(encodeCommand('PASV')).toBe('PASV\r\n');
  });
  for (const bad of ['a\r\nDELE x', 'a\nb', 'a\rb', 'a\0b']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      expect(() => encodeCommand('RETR', bad)).toThrow(UnsafeArgumentError);
    });
  }
  it('refuses a verb that is not one', () => {
    expect(() => encodeCommand('RETR x', 'y')).toThrow();
  });
});

describe('parseCommandLine', () => {
  const cases: [string, string, string][] = [
    ['USER bob', 'USER', 'bob'],
    ['user bob', 'USER', 'bob'],
    ['PWD', 'PWD', ''],
    ['RETR file with spaces.txt', 'RETR', 'file with spaces.txt'],
    ['\xff\xf4\xff\xf2ABOR', 'ABOR', ''],
  ];
  for (const [line, verb, argument] of cases) {
    it(`parses ${JSON.stringify(line)}`, () => {
      expect(parseCommandLine(line)).toEqual({ ok: true, value: { verb, argument } });
    });
  }
  it('refuses NUL and bare CR', () => {
    expect(parseCommandLine('RETR a\0b').ok).toBe(false);
    expect(parseCommandLine('RETR a\rMKD b').ok).toBe(false);
  });
  it('refuses junk verbs', () => {
    expect(parseCommandLine('12345').ok).toBe(false);
    expect(parseCommandLine('').ok).toBe(false);
  });
});

describe('CommandLineReader', () => {
  it('splits lines across chunks', () => {
    const reader = new CommandLineReader();
    expect(reader.push('US').lines).toEqual([]);
    expect(reader.push('ER a\r\nPA').lines).toEqual(['USER a']);
    expect(reader.push('SS b\r\n').lines).toEqual(['PASS b']);
  });
  it('an overlong line split over two segments never runs its tail as a command', () => {
    const reader = new CommandLineReader(4096);
    const first = reader.push('A'.repeat(4500));
    const second = reader.push('MKD x\r\n');
    expect(first.tooLong + second.tooLong).toBe(1);
    expect([...first.lines, ...second.lines]).toEqual([]);
    expect(reader.push('NOOP\r\n').lines).toEqual(['NOOP']);
  });
  it('an overlong line in one chunk is reported once and the next line still works', () => {
    const reader = new CommandLineReader(100);
    const result = reader.push('X'.repeat(150) + '\r\nPWD\r\n');
    expect(result).toEqual({ lines: ['PWD'], tooLong: 1 });
  });
});
