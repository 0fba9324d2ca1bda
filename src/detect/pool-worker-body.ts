/**
 * The body of an AnalyzerPool worker thread (loaded by pool-worker.mjs): builds an Analyzer from the
 * PoolSetup in `workerData`, says `ready`, then answers each batch (see answerBatch).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Analyzer } from './analyze.ts';
import { answerBatch, type BatchRequest, type PoolSetup, setupRegistry, type WorkerReply } from './pool.ts';

const port = parentPort;
if (!port) throw new Error('pool-worker-body.ts must run in a worker thread');
const setup = workerData as PoolSetup;
const analyzer = new Analyzer(setup.tokens, setup.bounds, setupRegistry(setup.ciphers));

port.on('message', (req: BatchRequest) => {
  let reply: WorkerReply;
  try {
    reply = { kind: 'answer', id: req.id, answer: answerBatch(analyzer, req) };
  } catch (e) {
    reply = { kind: 'error', id: req.id, message: (e as Error).message };
  }
  port.postMessage(reply);
});
port.postMessage({ kind: 'ready' } satisfies WorkerReply);
