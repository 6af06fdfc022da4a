// Worker thread entry: analyses one exchange per message, off the proxy's event loop.
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { analyze, type AnalysisInput } from './analyze';

// Lowest CPU priority for this thread only (Linux nice values are per thread): where the proxy
// shares a core with its comparisons, the scheduler gives the event loop serving clients the
// CPU first, and a 1 MB diff takes only what is left.
try {
  setPriority(19);
} catch {
  // Not permitted on this platform: comparisons run at normal priority.
}

parentPort!.on('message', ({ id, input }: { id: number; input: AnalysisInput }) => {
  try {
    parentPort!.postMessage({ id, analysis: analyze(input) });
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error)?.message ?? String(err) });
  }
});
