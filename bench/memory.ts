/**
 * Peak RSS of the n8n process for a big video against a small one: each contender downloads one
 * small and one big video in filesystem binary mode, each run alone in its own `n8n execute`, and
 * the table gives the growth of the big run's peak over the small run's. n8n's own peak (its
 * modules, the database, the task runner broker) is about 450 MiB in either run; the growth is
 * what the video's size costs.
 */
export interface MemoryRun {
	ok: boolean;
	error?: string;
	peakRssMb: number;
}

/** Runs one contender on one video of `videoBytes`, alone. */
export type RunOne<C extends string> = (contender: C, videoBytes: number) => Promise<MemoryRun>;

interface MemoryRow<C extends string> {
	contender: C;
	small: MemoryRun[];
	big: MemoryRun[];
}

/** Small then big, `repeats` times per contender, one run at a time. */
export async function measureMemory<C extends string>(
	contenders: C[],
	bytes: { small: number; big: number },
	repeats: number,
	runOne: RunOne<C>,
): Promise<Array<MemoryRow<C>>> {
	const rows: Array<MemoryRow<C>> = [];
	for (const contender of contenders) {
		const row: MemoryRow<C> = { contender, small: [], big: [] };
		for (let repeat = 0; repeat < repeats; repeat++) {
			row.small.push(await runOne(contender, bytes.small));
			row.big.push(await runOne(contender, bytes.big));
		}
		rows.push(row);
	}
	return rows;
}

/** What went wrong in the runs, one line each. */
export function memoryFailures<C extends string>(rows: Array<MemoryRow<C>>): string[] {
	return rows.flatMap((row) =>
		[...row.small, ...row.big]
			.filter((run) => !run.ok)
			.map((run) => `${row.contender} (memory): ${run.error ?? 'the video was not delivered'}`),
	);
}

export function memoryTable<C extends string>(
	rows: Array<MemoryRow<C>>,
	bytes: { small: number; big: number },
	names: Record<C, string>,
): string {
	const mib = (value: number) => `${value / 1024 / 1024} MiB`;
	const peaks = (runs: MemoryRun[]) => runs.map((run) => run.peakRssMb);
	const range = (values: number[]) => {
		const [low, high] = [Math.min(...values), Math.max(...values)].map((v) => v.toFixed(0));
		return low === high ? low : `${low}–${high}`;
	};
	const lines = [
		`### Peak RSS of n8n: one ${mib(bytes.big)} video against one ${mib(bytes.small)} video (filesystem binary mode)`,
		'',
		`| contender | peak RSS, ${mib(bytes.small)} (MiB) | peak RSS, ${mib(bytes.big)} (MiB) | growth (MiB), median of ${rows[0]?.big.length ?? 0} |`,
		'| --- | ---: | ---: | ---: |',
	];
	for (const row of rows) {
		const growths = row.big.map((run, index) => run.peakRssMb - row.small[index].peakRssMb);
		const failed = [...row.small, ...row.big].some((run) => !run.ok) ? ' ✗' : '';
		lines.push(
			`| ${names[row.contender]}${failed} | ${range(peaks(row.small))} | ${range(peaks(row.big))} | ${median(growths).toFixed(0)} (${range(growths)}) |`,
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
