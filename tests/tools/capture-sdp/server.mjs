// Tiny HTTP server for the SDP capture/check page. Listens on 127.0.0.1 only.
//   GET  /            page.html, GET /page.js
//   POST /tool?args=  runs sdp_tool (our C parser/builders) on the body
//   POST /save?name=  hands a captured SDP to onSave
//   POST /result      hands the page's final JSON report to onResult
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = { '/': 'page.html', '/page.html': 'page.html', '/page.js': 'page.js' };

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1 << 20) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function runTool(toolPath, args, input) {
  const r = spawnSync(toolPath, args, { input, encoding: 'utf8', timeout: 10000 });
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout : `${r.stderr}(exit ${r.status})` };
}

export function startServer({ toolPath, onSave, onResult, onLog }) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    try {
      if (req.method === 'GET' && files[url.pathname]) {
        const type = url.pathname.endsWith('.js') ? 'text/javascript' : 'text/html';
        res.writeHead(200, { 'content-type': type });
        res.end(fs.readFileSync(path.join(here, files[url.pathname])));
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(404);
        res.end();
        return;
      }
      const body = await readBody(req);
      if (url.pathname === '/tool') {
        const r = runTool(toolPath, JSON.parse(url.searchParams.get('args')), body);
        res.writeHead(r.ok ? 200 : 500, { 'content-type': 'text/plain' });
        res.end(r.out);
        return;
      }
      if (url.pathname === '/save') onSave(url.searchParams.get('name'), body);
      else if (url.pathname === '/result') onResult(JSON.parse(body));
      else if (url.pathname === '/log') onLog(body);
      else throw new Error(`no route POST ${url.pathname}`);
      res.writeHead(204);
      res.end();
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() });
    });
  });
}
