// FAST_CHECK_RUNS=5000 npm test runs every property that many times (default 100), to hunt rare cases.
import fc from 'fast-check';

if (process.env.FAST_CHECK_RUNS) fc.configureGlobal({ numRuns: Number(process.env.FAST_CHECK_RUNS) });
