/**
 * Entry for runtimes with a command line (Node, Deno, Bun): the emulator's JSON line is the
 * first argument; prints the result as one JSON line, or the error's name and message.
 */
import { federate } from './federate.js';

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
try {
  console.log(JSON.stringify(await federate(JSON.parse(args[0]))));
} catch (error) {
  console.log(JSON.stringify({ error: `${error.name}: ${error.message}` }));
  if (globalThis.Deno) globalThis.Deno.exit(1);
  else globalThis.process.exit(1);
}
