// WebSocket benchmark client with no dependencies.
//
// usage: node ws_client.js MODE TARGET_PORT HOST [options as KEY=VALUE]
//   MODE echo:  N connections, each sends a 32-byte message and waits for its echo, for SECONDS;
//               prints round trips/s and latency percentiles (µs) as JSON.
//   MODE idle:  opens COUNT WebSockets and holds them HOLD seconds; prints how many opened, as JSON.
//   VIA direct | proxy (absolute-form GET with Proxy-Authorization) | connect (CONNECT HOST:80 first)
//   AUTH        "Basic ..." or "Bearer ..." value for Proxy-Authorization (proxy and connect)
'use strict';
const net = require('net');
const crypto = require('crypto');

const [mode, portArg, host] = process.argv.slice(2, 5);
const opts = Object.fromEntries(process.argv.slice(5).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
const port = Number(portArg);
const via = opts.VIA || 'direct';
const auth = opts.AUTH || '';
const path = '/ws';

function open() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const key = crypto.randomBytes(16).toString('base64');
    const proxyAuth = auth ? `Proxy-Authorization: ${auth}\r\n` : '';
    const handshake = (target) => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\n`
      + `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`
      + `Origin: http://${host}\r\n`;
    let stage = via === 'connect' ? 'connect' : 'upgrade';
    let buf = Buffer.alloc(0);
    const onData = (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = buf.subarray(0, buf.indexOf('\r\n')).toString().split(' ')[1];
      buf = buf.subarray(end + 4);
      if (stage === 'connect') {
        if (status !== '200') { socket.destroy(); reject(new Error(`CONNECT ${status}`)); return; }
        stage = 'upgrade';
        socket.write(handshake(path) + '\r\n');
        if (buf.length) onData(Buffer.alloc(0));
        return;
      }
      socket.removeListener('data', onData);
      if (status !== '101') { socket.destroy(); reject(new Error(`handshake ${status}`)); return; }
      resolve(socket);
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('connect', () => {
      if (via === 'connect') socket.write(`CONNECT ${host}:80 HTTP/1.1\r\nHost: ${host}:80\r\n${proxyAuth}\r\n`);
      else if (via === 'proxy') socket.write(handshake(`http://${host}${path}`) + proxyAuth + '\r\n');
      else socket.write(handshake(path) + '\r\n');
    });
  });
}

const message = Buffer.alloc(32, 'x');
function frame() {
  const mask = crypto.randomBytes(4);
  const payload = Buffer.from(message);
  for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload]);
}

async function echo() {
  const conns = Number(opts.CONNS || 1);
  const seconds = Number(opts.SECONDS || 5);
  const sockets = await Promise.all(Array.from({ length: conns }, open));
  const latencies = [];
  let stop = false;
  const deadline = Date.now() + seconds * 1000;
  const loops = sockets.map((socket) => new Promise((resolve) => {
    let t0;
    let pending = Buffer.alloc(0);
    const send = () => {
      if (stop || Date.now() >= deadline) { resolve(); return; }
      t0 = process.hrtime.bigint();
      socket.write(frame());
    };
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 + message.length) {
        pending = pending.subarray(2 + message.length);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
        send();
      }
    });
    send();
  }));
  await Promise.all(loops);
  stop = true;
  sockets.forEach((s) => s.destroy());
  latencies.sort((a, b) => a - b);
  const pct = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]);
  console.log(JSON.stringify({ roundTrips: latencies.length, perSecond: Math.round(latencies.length / seconds),
    p50us: pct(0.5), p99us: pct(0.99) }));
}

async function idle() {
  const count = Number(opts.COUNT || 1000);
  const hold = Number(opts.HOLD || 10);
  const batch = 200;
  const sockets = [];
  let failed = 0;
  for (let i = 0; i < count; i += batch) {
    const results = await Promise.allSettled(Array.from({ length: Math.min(batch, count - i) }, open));
    for (const r of results) {
      if (r.status === 'fulfilled') sockets.push(r.value); else failed++;
    }
  }
  console.error(`idle: ${sockets.length} open, ${failed} failed; holding ${hold}s`);
  if (opts.READY) require('fs').writeFileSync(opts.READY, String(sockets.length));
  await new Promise((r) => setTimeout(r, hold * 1000));
  sockets.forEach((s) => s.destroy());
  console.log(JSON.stringify({ opened: sockets.length, failed }));
}

(mode === 'echo' ? echo() : idle()).catch((e) => { console.error(e.message); process.exit(1); });
