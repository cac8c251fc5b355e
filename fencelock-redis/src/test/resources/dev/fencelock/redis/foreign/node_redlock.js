// A foreign client for ForeignClientIT: node-redlock 4 (with node_redis 3) on one key, driven
// line by line. argv: port, key, lock ttl in milliseconds; NODE_PATH: where redlock is installed.
// stdin: "hold" (wait up to 10 s for the lock), "try" (one attempt), "release", "quit".
// stdout: "held", "refused", "released <wall-clock microseconds right after the release>", "error <message>".
'use strict';
const readline = require('readline');
const redis = require('redis');
const Redlock = require('redlock');

const [port, key, ttl] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const client = redis.createClient({host: '127.0.0.1', port: port});
// Two clients of the same lock: redlock's per-call options cannot ask for zero retries.
const waiting = new Redlock([client], {retryCount: 100, retryDelay: 100, retryJitter: 20});
const once = new Redlock([client], {retryCount: 0});
let lock = null;

function answer(promise) {
  return promise.then(line => console.log(line), error => {
    console.log(error instanceof Redlock.LockError ? 'refused' : 'error ' + String(error.message).replace(/\n/g, ' '));
  });
}

const commands = {
  hold: () => answer(waiting.lock(key, ttl).then(held => { lock = held; return 'held'; })),
  try: () => answer(once.lock(key, ttl).then(held => { lock = held; return 'held'; })),
  release: () => answer(lock.unlock().then(() => {
    lock = null;
    return 'released ' + Math.round((performance.timeOrigin + performance.now()) * 1000);
  })),
};

let queue = Promise.resolve();
const input = readline.createInterface({input: process.stdin});
input.on('line', line => {
  const command = line.trim();
  if (command === 'quit') {
    input.close();
    return;
  }
  queue = queue.then(commands[command] || (() => console.log('error unknown command ' + command)));
});
input.on('close', () => queue.then(() => client.quit()));
client.on('ready', () => console.log('ready'));
