/**
 * Entry for Cloudflare's workerd (through wrangler): each request federates once and answers
 * with the result as JSON. The emulator's JSON line comes in as the EMULATOR variable.
 */
import { federate } from './federate.js';

export default {
  async fetch(_request, env) {
    try {
      return Response.json(await federate(JSON.parse(env.EMULATOR)));
    } catch (error) {
      return Response.json({ error: `${error.name}: ${error.message}` }, { status: 500 });
    }
  },
};
