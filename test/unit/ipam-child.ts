// One process of ipam.test.ts's concurrency test: opens the address book, says "ready",
// and allocates for its uid when the test writes a line, so that all allocate at once.
import { AddressBook, netRangesFromEnv } from '../../src/net/ipam.js';

const [file, uid] = process.argv.slice(2);
const book = new AddressBook(file, netRangesFromEnv(process.env));
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  process.stdout.write(JSON.stringify(book.allocate(uid, `pod-${uid}`, () => true)) + '\n');
  process.exit(0);
});
