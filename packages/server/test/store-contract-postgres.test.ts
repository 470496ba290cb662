import { postgresStores } from './pg-database.js';
import { contract } from './store-contract.js';

// The Store contract on PostgreSQL (skipped without one); on SQLite: store-contract.test.ts.
contract('PostgreSQL', postgresStores, 'postgres');
