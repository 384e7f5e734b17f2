/**
 * Entry for a Web Worker: the page posts the emulator's JSON line, the worker answers with the
 * result or the error's name and message. Bundled with the package by scripts/runtimes/chromium.ts.
 */
import { federate } from './federate.js';

globalThis.onmessage = async ({ data }) => {
  try {
    globalThis.postMessage(await federate(data));
  } catch (error) {
    globalThis.postMessage({ error: `${error.name}: ${error.message}` });
  }
};
