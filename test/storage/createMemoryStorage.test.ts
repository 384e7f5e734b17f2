import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/storage/createMemoryStorage.js';
import { itSharesSessionsBetweenApps } from './sharingContract.js';

describe('createMemoryStorage', () => {
  it('keeps, returns and removes values by key', async () => {
    const storage = createMemoryStorage();
    expect(await storage.getItem('k')).toBeNull();
    await storage.setItem('k', 'v');
    expect(await storage.getItem('k')).toBe('v');
    await storage.removeItem('k');
    await storage.removeItem('k');
    expect(await storage.getItem('k')).toBeNull();
  });

  it('shares nothing between two stores', async () => {
    const one = createMemoryStorage();
    await one.setItem('k', 'v');
    expect(await createMemoryStorage().getItem('k')).toBeNull();
  });

  describe('between two apps over one instance', () => {
    itSharesSessionsBetweenApps(async () => {
      const storage = createMemoryStorage();
      return [storage, storage];
    });
  });
});
