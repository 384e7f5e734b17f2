import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    reactNative: 'src/reactNative.ts',
    services: 'src/services/index.ts',
    amplify: 'src/amplify.ts',
    testing: 'src/testing/index.ts',
    react: 'src/react.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  splitting: true,
  // No source maps: dist/ is unminified ES2022 that reads like the source, maps without their
  // sources would point at src/, which is not published, and with them they were over half the
  // tarball (the CommonJS ones also recorded the build folder's absolute path).
  sourcemap: false,
  clean: true,
  target: 'es2022',
  external: ['@napi-rs/keyring'],
  // Bundled, not required at run time: @noble/hashes 2 is ESM-only, which the CommonJS build
  // could only require() on Node 20.19 and later. Only the sign-in chunk (SRP) holds it.
  noExternal: ['@noble/hashes'],
});
