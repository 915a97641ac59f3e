package dev.isola.kv;

class InMemoryKeyValueStoreTest extends KeyValueStoreContract {
  @Override
  KeyValueStore open() {
    return KeyValueStores.inMemory();
  }
}
