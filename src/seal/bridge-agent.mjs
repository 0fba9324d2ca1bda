// Runs INSIDE a sealed network namespace (started with `ip netns exec`). Plain JavaScript so it
// starts fast without a TypeScript loader. It carries TCP between the namespace's own loopback and
// Unix sockets, which the host side forwards to the host's loopback: the only ways in and out.
//
// argv[2]: JSON array of forwards, each { "tcp": PORT, "unix": PATH, "dir": "in" | "out" }:
//   in:  listen on 127.0.0.1:PORT inside, connect each client to the Unix socket PATH (host side)
//   out: listen on the Unix socket PATH, connect each client to 127.0.0.1:PORT inside
// Prints "ready" once every listener is up. Exits when its stdin closes, so it never outlives the
// process that started it.
import net from 'node:net';

const forwards = JSON.parse(process.argv[2] ?? '[]');

function pipe(client, connect) {
  const upstream = connect();
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.pipe(upstream).pipe(client);
}

await Promise.all(
  forwards.map(
    (f) =>
      new Promise((resolve, reject) => {
        const server =
          f.dir === 'in'
            ? net.createServer((c) => pipe(c, () => net.connect(f.unix)))
            : net.createServer((c) => pipe(c, () => net.connect(f.tcp, '127.0.0.1')));
        server.once('error', reject);
        if (f.dir === 'in') server.listen(f.tcp, '127.0.0.1', resolve);
        else server.listen(f.unix, resolve);
      }),
  ),
);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
