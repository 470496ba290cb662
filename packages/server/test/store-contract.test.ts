import { contract } from './store-contract.js';
import { sqliteStores } from './store-fixtures.js';

// The Store contract on SQLite; on PostgreSQL: store-contract-postgres.test.ts.
contract('SQLite', sqliteStores, 'sqlite');
