/**
 * IP addresses in the text form tshark prints (dotted quad; RFC 5952 for IPv6: lower-case hex,
 * no leading zeros, the longest run of two or more zero groups as "::"). A capture holds few
 * distinct IPv4 addresses and many packets, so their strings are cached (bounded).
 */
const IPV4_CACHE_LIMIT = 4096;
const ipv4Cache = new Map<number, string>();

export function ipv4String(buffer: Buffer, at: number): string {
  const key = buffer.readUInt32BE(at);
  let text = ipv4Cache.get(key);
  if (text === undefined) {
    text = `${buffer[at]}.${buffer[at + 1]}.${buffer[at + 2]}.${buffer[at + 3]}`;
    if (ipv4Cache.size >= IPV4_CACHE_LIMIT) ipv4Cache.clear();
    ipv4Cache.set(key, text);
  }
  return text;
}

export function ipv6String(buffer: Buffer, at: number): string {
  const groups: number[] = [];
  for (let index = 0; index < 8; index += 1) groups.push(buffer.readUInt16BE(at + index * 2));
  // The longest run of zero groups (first of equal ones), if at least two long.
  let bestStart = -1;
  let bestLength = 1;
  for (let index = 0; index < 8; ) {
    if (groups[index] !== 0) {
      index += 1;
      continue;
    }
    let end = index;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - index > bestLength) {
      bestStart = index;
      bestLength = end - index;
    }
    index = end;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((group) => group.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
