// The transport floor of an answer size: a bare node:http server in a child process (bareHttp.ts) timed by a
// request driver of its own (requestDriver.ts), as the benches time the studio's routes. A route's ratio over
// "bare SQL + the transport of its answer's bytes" is then what the route itself adds: validation, ranking,
// serialization — not what every HTTP answer of that size costs on this machine.
import { fork } from 'node:child_process';
import path from 'node:path';
import { drive, forkDriver } from './driverClient';

export interface TransportFloor {
  /** rounds timed GETs of a ready body of `bytes` bytes, after `warmup` untimed ones (ms each). */
  time(bytes: number, rounds: number, warmup?: number): Promise<number[]>;
  stop(): void;
}

export async function startTransportFloor(): Promise<TransportFloor> {
  const tsx = { execArgv: ['--import', 'tsx'] };
  const server = fork(path.join(__dirname, 'bareHttp.ts'), [], { ...tsx, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`bareHttp exited with ${code}`)));
    server.stdout!.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
  });
  const driver = forkDriver(`http://127.0.0.1:${port}`, 'none');
  // Warm both ends (JIT, socket buffers) before the first timed size, as the routes are warm when timed.
  for (const bytes of [1024, 102_400]) await drive(driver, `/bytes/${bytes}`, 1, 300, server.pid!);
  return {
    time: async (bytes, rounds, warmup = 10) => (await drive(driver, `/bytes/${bytes}`, rounds, warmup, server.pid!)).times,
    stop: () => {
      driver.kill();
      server.kill();
    },
  };
}
