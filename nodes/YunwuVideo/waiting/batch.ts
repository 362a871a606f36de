/**
 * What the tasks of one model in one node run showed about when they complete, for adaptive
 * polling (`adaptiveSchedule.ts`) to learn from. Nothing is kept across executions.
 */

/** What the completed tasks of one batch showed: how long they took from the start of their wait. */
class Batch {
	readonly completionAges: number[] = [];
	/** How long completed tasks stayed in their last stage. */
	readonly lateStageDurations: number[] = [];
	joined = 0;
	waiting = 0;
	/** The last fit, kept until a task completes or joins: every task re-plans each floor interval. */
	private lastFit?: { ages: number; joined: number; fit?: { mu: number; sigma: number } };

	fit(): { mu: number; sigma: number } | undefined {
		const { completionAges, joined } = this;
		if (this.lastFit?.ages !== completionAges.length || this.lastFit.joined !== joined)
			this.lastFit = { ages: completionAges.length, joined, fit: fitAges(completionAges, joined) };
		return this.lastFit.fit;
	}

	/** The median and longest time in the last stage, kept until another task completes in it. */
	private lastStage?: { count: number; median: number; longest: number };

	lateStage(): { median: number; longest: number } | undefined {
		const durations = this.lateStageDurations;
		if (durations.length === 0) return undefined;
		if (this.lastStage?.count !== durations.length)
			this.lastStage = {
				count: durations.length,
				median: median(durations),
				longest: durations.reduce((a, b) => Math.max(a, b)),
			};
		return this.lastStage;
	}
}

/**
 * The batches of one node run: tasks of one model waited on together, which tend to complete at
 * similar times after their creation. Lives as long as the node run (nothing is kept across
 * executions).
 */
export class BatchBoard {
	private readonly batches = new Map<string, Batch>();

	/** Joins the batch of `key` (a model); leave it when the wait ends. */
	join(key: string): BatchMember {
		let batch = this.batches.get(key);
		if (!batch) this.batches.set(key, (batch = new Batch()));
		const member = new BatchMember(batch, batch.joined);
		batch.joined++;
		batch.waiting++;
		return member;
	}
}

export class BatchMember {
	private left = false;

	constructor(
		readonly batch: Batch,
		/** The order in which the task joined: spreads the siblings' queries over time. */
		readonly index: number,
	) {}

	/** Whether other tasks of the batch are waiting too. */
	hasSiblings(): boolean {
		return this.batch.waiting > 1;
	}

	completed(ageMs: number, lateStageMs: number | undefined): void {
		this.batch.completionAges.push(ageMs);
		if (lateStageMs !== undefined) this.batch.lateStageDurations.push(lateStageMs);
	}

	leave(): void {
		if (!this.left) this.batch.waiting--;
		this.left = true;
	}
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor((sorted.length - 1) / 2)];
};

/** The spread assumed for a batch's completion ages (log-normal) until two have been seen. */
const PRIOR_SIGMA = 0.15;

/** The standard normal quantile (Tukey's lambda approximation, within 0.01 of it for 0.01 … 0.99). */
const normalQuantile = (p: number) => 4.91 * (p ** 0.14 - (1 - p) ** 0.14);

/**
 * A log-normal fit of a batch's completion ages: the completed tasks are the earliest of the
 * batch's `size`, so the k-th smallest age sits at quantile (k − ½) / size. An age of 0 (done
 * before the wait began) is no point of the fit but keeps its rank.
 */
function fitAges(ages: number[], size: number): { mu: number; sigma: number } | undefined {
	const points = [...ages]
		.sort((a, b) => a - b)
		.map((age, k) => ({ x: normalQuantile((k + 0.5) / Math.max(size, k + 1)), age }))
		.filter(({ age }) => age > 0)
		.map(({ x, age }) => ({ x, y: Math.log(age) }));
	if (points.length === 0) return undefined;
	const meanX = points.reduce((sum, p) => sum + p.x, 0) / points.length;
	const meanY = points.reduce((sum, p) => sum + p.y, 0) / points.length;
	const sxx = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
	const sxy = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
	const sigma =
		points.length < 2 || sxx === 0 ? PRIOR_SIGMA : Math.min(0.5, Math.max(0.05, sxy / sxx));
	return { mu: meanY - sigma * meanX, sigma };
}
