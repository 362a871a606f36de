/**
 * Runs `task(0 … count-1)` with at most `limit` running at once, in index order. Resolves when all
 * are done; rejects with the first error at once, starting no further tasks (the caller aborts the
 * ones still running through its signal).
 */
export async function runPool(
	count: number,
	limit: number,
	task: (index: number) => Promise<void>,
): Promise<void> {
	if (count <= 0) return;
	const width = Number.isFinite(limit) && limit >= 1 ? Math.floor(limit) : 1;
	await new Promise<void>((resolve, reject) => {
		let next = 0;
		let running = 0;
		let finished = 0;
		let failed = false;
		const launch = () => {
			while (!failed && running < width && next < count) {
				const index = next++;
				running++;
				task(index).then(
					() => {
						running--;
						finished++;
						if (finished === count) resolve();
						else launch();
					},
					(error: unknown) => {
						failed = true;
						reject(error);
					},
				);
			}
		};
		launch();
	});
}
