/**
 * Peak RSS of the n8n process for a big video against a small one: each contender downloads one
 * small and one big video in filesystem binary mode, each run alone in its own `n8n execute`, and
 * the table gives the growth of the big run's peak over the small run's. n8n's own peak (its
 * modules, the database, the task runner broker) is about 450 MiB in either run; the growth is
 * what the video's size costs. Two control rows do without n8n: n8n's Node binary fetching the same
 * file with `http.get` into `fs.promises.writeFile`, the way n8n's filesystem binary data stores a
 * stream, once as a fresh process and once with the larger young generation (V8 semi-space) a
 * process as busy as n8n has grown into. Received network buffers are freed only when a young-
 * generation collection runs, and the larger that generation, the later it runs.
 */
import { execFile, execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { YunwuServer } from '../test/support/server/yunwu-server';

export interface MemoryRun {
	ok: boolean;
	error?: string;
	peakRssMb: number;
}

export interface MemoryContender {
	name: string;
	/** Downloads one video of `videoBytes`, alone. */
	run: (videoBytes: number) => Promise<MemoryRun>;
}

interface MemoryRow {
	name: string;
	small: MemoryRun[];
	big: MemoryRun[];
}

/** Small then big, `repeats` times per contender and for the control, one run at a time. */
export async function measureMemory(
	contenders: MemoryContender[],
	bytes: { small: number; big: number },
	repeats: number,
	nodeBin: string,
): Promise<MemoryRow[]> {
	const version = nodeVersionOf(nodeBin);
	const controls: MemoryContender[] = [[], [`--min-semi-space-size=${GROWN_SEMI_SPACE_MB}`]].map(
		(flags) => ({
			name: `control: plain Node ${version}, no n8n${flags.length ? ` (${flags.join(' ')})` : ''}`,
			run: async (videoBytes) => await plainNodeRun(nodeBin, flags, videoBytes),
		}),
	);
	const rows: MemoryRow[] = [];
	for (const contender of [...contenders, ...controls]) {
		const row: MemoryRow = { name: contender.name, small: [], big: [] };
		for (let repeat = 0; repeat < repeats; repeat++) {
			row.small.push(await contender.run(bytes.small));
			row.big.push(await contender.run(bytes.big));
		}
		rows.push(row);
	}
	return rows;
}

/** A semi-space size V8 grows into under load (it starts at 1 MiB); 8 to 64 give the same growth. */
const GROWN_SEMI_SPACE_MB = 16;

/** Fetches the file as n8n's filesystem mode stores a stream; its own VmHWM is its peak RSS. */
const PLAIN_DOWNLOAD = `
const { get } = require('node:http');
const { readFileSync, promises } = require('node:fs');
const [url, file] = process.argv.slice(1);
get(url, async (response) => {
	await promises.writeFile(file, response);
	const size = (await promises.stat(file)).size;
	await promises.rm(file);
	const peakKb = Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
	process.stdout.write(JSON.stringify({ size, peakKb }));
});
`;

async function plainNodeRun(
	nodeBin: string,
	flags: string[],
	videoBytes: number,
): Promise<MemoryRun> {
	const server = await new YunwuServer().start();
	try {
		const id = server.addTask({
			id: 'memory:control',
			end: 'completed',
			video: { size: videoBytes },
		});
		const file = path.join(tmpdir(), `yunwu-memory-control-${process.pid}.bin`);
		const printed = await new Promise<string>((resolve, reject) =>
			execFile(
				nodeBin,
				[...flags, '-e', PLAIN_DOWNLOAD, server.videoUrlOf(id), file],
				(error, stdout) => (error ? reject(error) : resolve(stdout)),
			),
		);
		const { size, peakKb } = JSON.parse(printed) as { size: number; peakKb: number };
		return size === videoBytes
			? { ok: true, peakRssMb: peakKb / 1024 }
			: { ok: false, error: `stored ${size} of ${videoBytes} bytes`, peakRssMb: peakKb / 1024 };
	} finally {
		await server.stop();
	}
}

function nodeVersionOf(nodeBin: string): string {
	return execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
}

/** What went wrong in the runs, one line each. */
export function memoryFailures(rows: MemoryRow[]): string[] {
	return rows.flatMap((row) =>
		[...row.small, ...row.big]
			.filter((run) => !run.ok)
			.map((run) => `${row.name} (memory): ${run.error ?? 'the video was not delivered'}`),
	);
}

export function memoryTable(rows: MemoryRow[], bytes: { small: number; big: number }): string {
	const mib = (value: number) => `${value / 1024 / 1024} MiB`;
	const peaks = (runs: MemoryRun[]) => runs.map((run) => run.peakRssMb);
	const range = (values: number[]) => {
		const [low, high] = [Math.min(...values), Math.max(...values)].map((v) => v.toFixed(0));
		return low === high ? low : `${low} to ${high}`;
	};
	const lines = [
		`### Peak RSS of the downloading process: one ${mib(bytes.big)} video against one ${mib(bytes.small)} video (filesystem binary mode)`,
		'',
		`| contender | peak RSS, ${mib(bytes.small)} (MiB) | peak RSS, ${mib(bytes.big)} (MiB) | growth (MiB), median of ${rows[0]?.big.length ?? 0} |`,
		'| --- | ---: | ---: | ---: |',
	];
	for (const row of rows) {
		const growths = row.big.map((run, index) => run.peakRssMb - row.small[index].peakRssMb);
		const failed = [...row.small, ...row.big].some((run) => !run.ok) ? ' ✗' : '';
		lines.push(
			`| ${row.name}${failed} | ${range(peaks(row.small))} | ${range(peaks(row.big))} | ${median(growths).toFixed(0)} (${range(growths)}) |`,
		);
	}
	lines.push('');
	return lines.join('\n');
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
