// The parent's side of requestDriver.ts: fork a driver for a server, and ask it to time a route.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** What a driver answers to an ask (requestDriver.ts): latencies, the server's loop CPU and core waits per request. */
export type Driven = { times: number[]; loopCpu: number[]; waits: number[]; bytes: number; error?: string };

/** A request driver (child process, small heap) for the server at url. */
export const forkDriver = (url: string, token: string): ChildProcess =>
  fork(path.join(__dirname, 'requestDriver.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DRIVER_URL: url, DRIVER_TOKEN: token },
  });

/** rounds GETs of route timed by the driver after `warmup` untimed ones; serverPid: whose loop CPU to read. */
export const drive = (driver: ChildProcess, route: string, rounds: number, warmup: number, serverPid: number) =>
  new Promise<Driven>((resolve, reject) => {
    driver.once('message', (m: Driven) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    driver.send({ route, rounds, warmup, serverPid });
  });
