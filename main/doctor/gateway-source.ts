// The running gateway as the CLI sees it: the endpoint file, a live pid and an answer to
// status.get. Each way of "not running" keeps its reason, because "a gateway crashed and left
// its file behind" and "it is alive but does not answer" call for different next steps.
import { connectToRunningGateway } from '../control/client.ts';
import { pidAlive, readEndpoint } from '../control/discovery.ts';
import type { GatewayProbe, GatewayStatusSource } from './context.ts';

export function discoveredGateway(stateDir: string): GatewayStatusSource {
  return {
    async probe(): Promise<GatewayProbe> {
      const endpoint = await readEndpoint(stateDir);
      if (!endpoint) return { running: false };
      if (!pidAlive(endpoint.pid)) {
        return { running: false, note: `a gateway (pid ${endpoint.pid}) ran here before and did not shut down cleanly` };
      }
      const client = await connectToRunningGateway(stateDir);
      if (!client) return { running: false, note: `process ${endpoint.pid} is registered as the gateway but does not answer at ${endpoint.url}` };
      try {
        const summary = await client.call('status.get', {});
        return { running: true, summary, pid: endpoint.pid, startedAt: endpoint.startedAt, kind: endpoint.kind, port: endpoint.port };
      } catch (err) {
        return { running: false, note: `the gateway (pid ${endpoint.pid}) did not return its status: ${(err as Error).message}` };
      }
    },
  };
}
