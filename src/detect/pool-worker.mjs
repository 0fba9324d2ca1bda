// Entry of an AnalyzerPool worker thread. A worker starts as plain Node, without the TypeScript
// loader of the thread that made it (tsx's hooks, or vitest's), so it registers tsx itself before
// importing the TypeScript body.
import { register } from 'tsx/esm/api';

register();
await import('./pool-worker-body.ts');
