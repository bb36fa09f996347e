/** Who gets a session on a full server (admission.ts): table-tested, no sockets. */
import { describe, expect, it } from 'vitest';
import { decideAdmission, type AdmissionLimits, type Occupant } from '../../src/server/admission.js';

const limits: AdmissionLimits = { maxSessions: 6, maxSessionsPerIp: 4, maxPreLoginSessionsPerIp: 3 };

/** "a" a session from 10.0.0.a not logged in, "A" one logged in; accepted in the order written. */
function occupants(layout: string): (Occupant & { name: string })[] {
  return [...layout].map((letter, index) => ({
    name: `${letter}${index}`,
    peer: `10.0.0.${letter.toLowerCase().charCodeAt(0) - 96}`,
    loggedIn: letter !== letter.toLowerCase(),
    acceptedAt: 1000 + index,
  }));
}

describe('decideAdmission', () => {
  it.each([
    // layout, newcomer, expected (admit | refuse | the victim's name)
    ['', 'a', 'admit'],
    ['abc', 'a', 'admit'],
    ['aaA', 'a', 'admit'],
    ['aaa', 'a', 'refuse: too many sessions from 10.0.0.1 that have not logged in (3)'],
    ['aaAA', 'a', 'refuse: too many sessions from 10.0.0.1 (4)'],
    // Full: the address holding most pre-login sessions gives up its oldest one.
    ['aaabbc', 'd', 'a0'],
    ['bbaaac', 'd', 'a2'],
    // ...but only to an address holding fewer of them: no address evicts its own or an equal share.
    ['aabbbc', 'a', 'b2'],
    ['aabbcc', 'a', 'refuse: too many sessions (6)'],
    ['aabbcc', 'd', 'a0'],
    ['abcdef', 'g', 'a0'],
    ['abcdef', 'a', 'refuse: too many sessions (6)'],
    // Logged-in sessions are never evicted.
    ['AAABBB', 'c', 'refuse: too many sessions (6)'],
    ['AAABBc', 'd', 'c5'],
  ])('%j + %s → %s', (layout, newcomer, expected) => {
    const held = occupants(layout);
    const decision = decideAdmission(held, `10.0.0.${newcomer.charCodeAt(0) - 96}`, limits);
    const said = decision.kind === 'admit' ? 'admit' : decision.kind === 'refuse' ? `refuse: ${decision.reason}` : decision.victim.name;
    expect(said).toBe(expected);
  });

  it('an attacker from many addresses cannot keep one address out: each eviction takes the largest share', () => {
    // 12 slots, all held by pre-login sessions of 3 attacking addresses; a client comes from a fourth.
    const wide: AdmissionLimits = { maxSessions: 12, maxSessionsPerIp: 12, maxPreLoginSessionsPerIp: 12 };
    const held = occupants('abcabcabcabc');
    const decision = decideAdmission(held, '10.0.0.4', wide);
    expect(decision.kind).toBe('evict');
  });
});
