#!/usr/bin/env node
// The emulator's command (`npx cognito-auth-machine-emulator --port 0`): runs cli.ts, its
// TypeScript source, through tsx in this same process, so signals reach the emulator directly.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
