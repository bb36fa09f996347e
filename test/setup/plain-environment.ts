/**
 * Child processes the tests start inherit this environment. A CI runner that forces colour
 * (FORCE_COLOR=1) would make every CLI under test write escape codes, and tests that read its
 * words would fail for a reason that is not theirs. Tests of colour itself pass their own env.
 */
delete process.env.FORCE_COLOR;
