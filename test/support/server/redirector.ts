/**
 * A Base URL that answers every request with a redirect to another origin, as a moved or hostile
 * mirror might. It listens on its own loopback address, so the redirect crosses a real origin
 * boundary; its Location carries a token in the query, which no message may repeat.
 */
import { createServer, type Server } from 'node:http';

import { listenOn } from './listen';

/** The token in every Location's query (`token=`): no message may show it. */
export const REDIRECT_TOKEN = 'redirect-secret-0123';

export class Redirector {
	/** The status it answers with; tests change it between runs. */
	status = 302;
	/** Requests it received, with their Authorization header. */
	readonly log: Array<{ method: string; path: string; authorization?: string }> = [];
	url = '';
	private server?: Server;

	/** `target()`: the origin it redirects to, read at each request (a server started later). */
	constructor(
		private readonly target: () => string,
		private readonly host = '127.0.0.3',
	) {}

	async start(): Promise<this> {
		const server = createServer((req, res) => {
			const url = new URL(req.url ?? '/', 'http://local');
			this.log.push({
				method: req.method ?? 'GET',
				path: url.pathname,
				authorization: req.headers.authorization,
			});
			url.searchParams.append('token', REDIRECT_TOKEN);
			res
				.writeHead(this.status, { Location: `${this.target()}${url.pathname}${url.search}` })
				.end();
		});
		this.url = await listenOn(server, this.host);
		this.server = server;
		return this;
	}

	async stop(): Promise<void> {
		this.server?.closeAllConnections();
		await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
	}
}
