/**
 * The Yunwu server of the CPU bench (`bench/cpu.ts`), in a process of its own so that the measuring
 * process's CPU time is the node's and n8n-core's only. Started with IPC: serves `tasks` tasks
 * (`veo3:cpu-<i>`) answering `queries` queries each (the last one `completed`), sends
 * `{ apiUrl, apiKey }`, then answers `'count'` with the number of API requests it served.
 */
import { YunwuServer } from '../test/support/server/yunwu-server';

async function main(): Promise<void> {
	const [tasks, queries] = process.argv.slice(2).map(Number);
	const server = await new YunwuServer().start();
	for (let index = 0; index < tasks; index++) {
		server.addTask({
			id: `veo3:cpu-${index}`,
			pendingPolls: Math.floor((queries - 1) / 2),
			processingPolls: Math.ceil((queries - 1) / 2),
			end: 'completed',
			video: { size: 1024 },
		});
	}
	process.on('message', (message) => {
		if (message === 'count') process.send!({ count: server.apiRequests().length });
	});
	process.on('disconnect', () => void server.stop().then(() => process.exit(0)));
	process.send!({ apiUrl: server.apiUrl, apiKey: server.apiKey });
}

void main();
