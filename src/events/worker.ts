// Worker thread entry: analyses one exchange per message, off the proxy's event loop.
import { parentPort } from 'node:worker_threads';
import { analyze, type AnalysisInput } from './analyze';

parentPort!.on('message', ({ id, input }: { id: number; input: AnalysisInput }) => {
  try {
    parentPort!.postMessage({ id, analysis: analyze(input) });
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error)?.message ?? String(err) });
  }
});
