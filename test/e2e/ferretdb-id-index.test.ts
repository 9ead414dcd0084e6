/**
 * FerretDB 1.24's SQLite backend reads a whole collection for a lookup by
 * `_id` unless the watcher in scripts/services/ferretdb_id_index.py has added
 * the index that such lookups can use. This checks the query plan that
 * FerretDB reports, so it runs only against the FerretDB the tests start.
 */
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { mongodbUri, uniqueDatabaseName } from '../support/services.js';

const usesOwnMongoDb = (process.env.MONGODB_URI ?? '') !== '';

describe.skipIf(usesOwnMongoDb)('FerretDB lookups by _id', () => {
  const client = new MongoClient(mongodbUri());
  const db = client.db(uniqueDatabaseName('idindex'));

  afterAll(async () => {
    await db.dropDatabase();
    await client.close();
  });

  /**
   * `explain` plans with the schema its SQLite connection last loaded, and a
   * connection reloads it only when it runs a query. So a query runs first.
   */
  async function planOf(collection: string, id: string): Promise<string> {
    await db.collection(collection).findOne({ _id: id as never });
    const explained = await db.command({ explain: { find: collection, filter: { _id: id } } });
    return JSON.stringify(explained.queryPlanner);
  }

  it('use an index on a collection created while FerretDB runs', async () => {
    const runs = db.collection<{ _id: string; n: number }>('runs');
    await runs.insertMany([{ _id: 'a', n: 1 }, { _id: 'b', n: 2 }]);

    let plan = await planOf('runs', 'b');
    const deadline = Date.now() + 10_000;
    while (!plan.includes('automations_id_lookup') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      plan = await planOf('runs', 'b');
    }

    expect(plan).toContain('SEARCH');
    expect(plan).toContain('automations_id_lookup');
    expect(await runs.findOne({ _id: 'b' })).toEqual({ _id: 'b', n: 2 });
    await runs.updateOne({ _id: 'a' }, { $set: { n: 3 } });
    expect(await runs.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', n: 3 },
      { _id: 'b', n: 2 },
    ]);
  });
});
