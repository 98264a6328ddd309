import { enableLinearRegexFallback } from '../engine/expressions/regex-guard.js';
import { main } from './main.js';

enableLinearRegexFallback();
// A reader that goes away (`staffwire run … | head -1`) ends the printing, not the work: runs
// keep executing and checkpointing; only their progress lines have nowhere to go.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}
process.exitCode = await main(process.argv.slice(2));
