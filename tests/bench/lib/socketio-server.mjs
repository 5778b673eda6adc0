// The Socket.IO baseline: the smallest server that does what the benchmark
// asks of switchboard, the way a Socket.IO app would write it.
//   join-room {room, name}, ack -> joins the room, tells the others
//                                  (participant-joined), acks {ok, data}
//   ping {pad}, ack             -> acks {serverTime}, like switchboard's ping
// WebSocket transport only, no compression, and connection state recovery on,
// so a cut connection comes back into its rooms (switchboard's `resume`).
// GET /healthz answers ok. SIGTERM closes everything and exits 0.
//
// usage: node socketio-server.mjs --port PORT --modules DIR [--recovery SECONDS]
//   DIR holds node_modules/socket.io (see socketio-baseline.mjs)
//   --recovery: connectionStateRecovery.maxDisconnectionDuration, default 120
//     (Socket.IO's own default). Socket.IO can only recover a client whose
//     last received broadcast is still in its buffer, which keeps packets for
//     this long, so a shorter value (say switchboard's 10 s grace) makes every
//     recovery after a quiet minute fail; switchboard's resume has no such
//     condition.
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string' }, modules: { type: 'string' }, recovery: { type: 'string', default: '120' } },
});
const require = createRequire(path.join(values.modules, 'package.json'));
const { Server } = require('socket.io');

const httpServer = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  } else if (!req.url.startsWith('/socket.io/')) {
    res.writeHead(404);
    res.end();
  }
});

const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  maxHttpBufferSize: 65536,
  connectionStateRecovery: { maxDisconnectionDuration: Number(values.recovery) * 1000, skipMiddlewares: true },
});

const validName = (s) => typeof s === 'string' && s.length >= 1 && s.length <= 64;

io.on('connection', (socket) => {
  socket.on('join-room', (data, ack) => {
    if (typeof ack !== 'function') return;
    const room = data?.room;
    const name = data?.name;
    if (!validName(room) || !validName(name)) {
      ack({ ok: false, error: { code: 'invalid_params', message: 'room and name: 1-64 characters' } });
      return;
    }
    const participants = [];
    for (const id of io.sockets.adapter.rooms.get(room) || []) {
      const other = io.sockets.sockets.get(id);
      if (other) participants.push({ peerId: id, name: other.data.name });
    }
    socket.data.name = name;
    socket.join(room);
    socket.to(room).emit('participant-joined', { peerId: socket.id, name });
    ack({ ok: true, data: { peerId: socket.id, room, name, participants } });
  });

  socket.on('ping', (_data, ack) => {
    if (typeof ack === 'function') ack({ serverTime: Date.now() });
  });
});

httpServer.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`socket.io baseline listening on http://127.0.0.1:${values.port}`);
});

process.on('SIGTERM', () => {
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
});
