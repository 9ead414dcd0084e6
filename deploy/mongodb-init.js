/* global db, print, rs, sleep -- the mongosh shell defines these */
// Run by the mongodb-init service with mongosh: makes the server a one-member
// replica set named rs0, then waits until it accepts writes. Safe to run again.
const member = { _id: 0, host: 'mongodb:27017' };

try {
  rs.status();
  print('replica set rs0 is already initiated');
} catch (error) {
  if (error.codeName !== 'NotYetInitialized') throw error;
  rs.initiate({ _id: 'rs0', members: [member] });
  print('initiated replica set rs0');
}

while (!db.hello().isWritablePrimary) sleep(500);
print('replica set rs0 has a primary');
