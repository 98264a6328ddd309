import { enableLinearRegexFallback } from '../engine/expressions/regex-guard.js';
import { main } from './main.js';

enableLinearRegexFallback();
process.exitCode = await main(process.argv.slice(2));
