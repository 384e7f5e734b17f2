/** PLACEHOLDER: replaced by the storage work (issue 5). */
export interface AccessGroupOptions {
  name: string;
  migrateKeychainItemsOfUserSession?: boolean;
}

export class AccessGroup {
  readonly name: string | undefined;
  readonly migrateKeychainItemsOfUserSession: boolean;

  constructor(options: AccessGroupOptions) {
    this.name = options.name;
    this.migrateKeychainItemsOfUserSession = options.migrateKeychainItemsOfUserSession ?? false;
  }

  static none(options: { migrateKeychainItemsOfUserSession?: boolean } = {}): AccessGroup {
    const group = Object.create(AccessGroup.prototype) as { name: undefined; migrateKeychainItemsOfUserSession: boolean };
    group.name = undefined;
    group.migrateKeychainItemsOfUserSession = options.migrateKeychainItemsOfUserSession ?? false;
    return group as unknown as AccessGroup;
  }
}
