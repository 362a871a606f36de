import type { AddressInfo, Server } from 'node:net';

/** Starts `server` on `host` (any free port) and returns its `http://address:port` origin. */
export async function listenOn(server: Server, host: string): Promise<string> {
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, host, resolve);
	});
	const { address, port } = server.address() as AddressInfo;
	return `http://${address}:${port}`;
}
