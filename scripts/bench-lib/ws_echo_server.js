// A WebSocket echo server with no dependencies, for benchmarks: answers the RFC 6455 handshake on
// any path and echoes every data frame back (unmasked, as a server must). Holds idle connections.
// Listens on 127.0.0.1:PORT and, if SOCKET is given, on that unix socket too (as code-server does, for
// Codermon's proxy; the peers connect over TCP).
// usage: node ws_echo_server.js PORT [SOCKET]
'use strict';
const http = require('http');
const crypto = require('crypto');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const port = Number(process.argv[2]);
const socketPath = process.argv[3];

function answer(req, res) {
  const body = Buffer.from('ok\n');
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
}

function upgrade(req, socket) {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + GUID).digest('base64');
  socket.setNoDelay(true);
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      const masked = (buf[1] & 0x80) !== 0;
      const need = off + (masked ? 4 : 0) + len;
      if (buf.length < need) return;
      const payload = Buffer.from(buf.subarray(off + (masked ? 4 : 0), need));
      if (masked) {
        const mask = buf.subarray(off, off + 4);
        for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      }
      buf = buf.subarray(need);
      if (opcode === 0x8) { socket.end(); return; }
      const header = len < 126 ? Buffer.from([0x80 | opcode, len])
        : Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]);
      socket.write(Buffer.concat([header, payload]));
    }
  });
  socket.on('error', () => {});
}

// One server per listener (a server listens once); both share the handlers.
function serve(listen, where) {
  const server = http.createServer(answer);
  server.maxConnections = 100000;
  server.on('upgrade', upgrade);
  listen(server, () => console.log(`ws-echo listening on ${where}`));
}
serve((server, done) => server.listen(port, '127.0.0.1', done), `127.0.0.1:${port}`);
if (socketPath) serve((server, done) => server.listen(socketPath, done), `unix:${socketPath}`);
