import { toEpochMs, toProgress } from '../task/output';
import type { TaskAnswer } from '../task/schema';
import { statusKey } from '../task/state';
import type { BatchMember } from './batch';
import type { QuerySchedule, Schedule, ScheduleStart } from './waitForTask';

/** The query floor (the shortest gap between two queries of one task) as a part of the Poll Interval. */
const QUERY_FLOOR_FRACTION = 0.25;
/** The query floor is never under this, however short the Poll Interval. */
const MIN_QUERY_FLOOR_MS = 500;
/** Before a task's expected completion, its queries may be at most this many Poll Intervals apart. */
export const MAX_THINNING = 3;
/** A task not yet close to done (first stage, or no sibling done yet) is queried this many Poll Intervals apart. */
export const THINNING = 2.5;

/** The shortest gap between two queries of one task: a quarter of the Poll Interval, at least 0.5 s, at most the interval. */
export function queryFloorMs(pollIntervalMs: number): number {
	return Math.min(
		pollIntervalMs,
		Math.max(MIN_QUERY_FLOOR_MS, pollIntervalMs * QUERY_FLOOR_FRACTION),
	);
}

/**
 * Statuses of a last stage: the video exists and is being finished (Veo upscales it). A task
 * entering one is close to done.
 */
const LATE_STAGES = new Set(['video_generation_completed', 'video_upsampling']);
/** Statuses of a first stage that a last stage follows: the task is not close to done. */
const EARLY_STAGES = new Set(['video_generating']);

/** A span of time (epoch ms) in which a task is expected to complete. */
interface Window {
	from: number;
	to: number;
	/** How likely completion is at a time, relatively; without it, every time of the window alike. */
	density?: (at: number) => number;
}

/**
 * Polling `adaptive`: each wait's queries spent where the task's signals say it is likely to
 * complete (see `AdaptiveSchedule`); `batch`, when the model is known, is what the run's other
 * tasks of the model showed, and what this one adds when it completes.
 */
export const adaptiveSchedule =
	(batch?: BatchMember): Schedule =>
	(start) =>
		new AdaptiveSchedule({ ...start, batch });

interface ScheduleSettings extends ScheduleStart {
	/** The task's batch, when the model is known. */
	batch?: BatchMember;
}

/**
 * The query times of one task's wait with Polling `adaptive`. Without a signal every query goes
 * out one Poll Interval after the last answer, as with Polling `fixed`. With signals, the same
 * budget is spent elsewhere:
 *
 * - budget: the k-th query (from 0) never goes out before the fixed schedule's first query + k
 *   Poll Intervals + the time answers took, so at any moment no more queries were sent than the
 *   fixed interval would have with the same answer times;
 * - floor: two queries of the task are never closer than `queryFloorMs`;
 * - signals set a window in which the task is expected to complete: before it, queries thin out
 *   (at most `MAX_THINNING` intervals apart) and save budget; within it, the saved budget is
 *   spread over it (densest where completion is likeliest); after it, the fixed interval again.
 *   The signals, strongest first: `progress` (the time so far scaled to 100 %), a last stage
 *   (Veo's upscaling: as long as the batch's tasks spent in it, else at most half the time so
 *   far), the batch (a log-normal fit of the ages at which the other tasks of the model
 *   completed), and, with none of those, a first stage or siblings none of which completed yet
 *   (thinned out to `THINNING` intervals).
 *
 * The caller's backoff and Retry-After come on top: they only ever make a query later. The
 * schedule reads no clock: every time is passed in, so tests drive it with a fake one.
 */
export class AdaptiveSchedule implements QuerySchedule {
	private readonly floorMs: number;
	private queries = 0;
	private lastQueryAt?: number;
	/** When the last answer of the task still running arrived. */
	private lastAnswerAt?: number;
	/** When the query that got it went out. */
	private lastRunningAt?: number;
	/** Time spent waiting for answers: the fixed schedule's intervals start after them. */
	private answeringMs = 0;
	private progressWindow?: Window;
	private highestProgress = 0;
	private progressTrusted = true;
	private lateStageSince?: number;
	private earlyStage = false;

	constructor(private readonly settings: ScheduleSettings) {
		this.floorMs = queryFloorMs(settings.pollIntervalMs);
	}

	/** A query went out at `at` (whatever its answer). */
	queried(at: number): void {
		this.queries++;
		this.lastQueryAt = at;
	}

	/** The task is still running, said the answer that arrived at `at` to the query sent at `queriedAt`. */
	running(at: number, queriedAt: number, answer: TaskAnswer): void {
		this.noteStage(queriedAt, answer);
		this.noteProgress(at, answer);
		this.lastAnswerAt = at;
		this.lastRunningAt = queriedAt;
		this.answered(at, queriedAt);
	}

	/** An answer (a failure too) to the query sent at `queriedAt` arrived at `at`. */
	answered(at: number, queriedAt: number): void {
		this.answeringMs += Math.max(0, at - queriedAt);
	}

	/** When the fixed schedule queries next: one Poll Interval after the last answer. */
	private fixedNextQueryAt(): number {
		return this.lastAnswerAt === undefined
			? this.settings.firstQueryAt
			: this.lastAnswerAt + this.settings.pollIntervalMs;
	}

	/**
	 * When the next query goes out, after the last `running` answer. It may come earlier as
	 * siblings complete: a wait longer than `replanAfterMs()` asks again after that long. A plan
	 * at or past `deadline` never costs the last query the fixed schedule would still make in time.
	 */
	nextQueryAt(deadline = Infinity): number {
		const planned = this.plannedQueryAt();
		return planned < deadline ? planned : this.fixedNextQueryAt();
	}

	private plannedQueryAt(): number {
		const { pollIntervalMs } = this.settings;
		// A task waited on after its creation (Wait Until Complete) may be done already: its first
		// query goes out at once, as the fixed schedule's does.
		const justCreated = this.settings.firstQueryAt > this.settings.startedAt;
		const firstUnknown = this.lastQueryAt === undefined && !justCreated;
		const window = firstUnknown ? undefined : this.window();
		if (!window) return this.fixedNextQueryAt();
		const answeredAt = this.lastAnswerAt ?? this.settings.firstQueryAt - pollIntervalMs;
		const queriedAt = this.lastQueryAt ?? answeredAt;
		let target: number;
		if (answeredAt < window.from) {
			target = Math.min(window.from, answeredAt + MAX_THINNING * pollIntervalMs);
		} else if (answeredAt < window.to) {
			// The queries allowed now plus those the window earns, spread over it.
			const span = window.to - queriedAt;
			const gap = span / (this.credit(queriedAt) + span / pollIntervalMs);
			target = Math.min(
				queriedAt + gap * densityFactor(window, queriedAt),
				answeredAt + MAX_THINNING * pollIntervalMs,
			);
		} else {
			target = answeredAt + pollIntervalMs;
		}
		return Math.max(target, this.earliest());
	}

	/** How long a wait may last before the plan is made again: the batch may have learnt something by then. */
	replanAfterMs(): number | undefined {
		return this.settings.batch ? this.floorMs : undefined;
	}

	/** The earliest the next query may go out: the budget and the floor. */
	private earliest(): number {
		return Math.max(
			this.settings.firstQueryAt + this.answeringMs + this.queries * this.settings.pollIntervalMs,
			(this.lastQueryAt ?? -Infinity) + this.floorMs,
		);
	}

	/** The task completed, as the query sent at `queriedAt` found: its batch learns how long it took. */
	completed(queriedAt: number, answer: TaskAnswer): void {
		const { batch, startedAt } = this.settings;
		if (!batch) return;
		// The task completed after the last answer that said otherwise and before this one: a
		// timestamp of the API (another clock) is used only within those bounds.
		const after = this.lastRunningAt ?? startedAt;
		const stated = toEpochMs(answer.completed_at) ?? toEpochMs(answer.status_update_time);
		const at = Math.min(queriedAt, Math.max(after, stated ?? queriedAt));
		batch.completed(
			at - startedAt,
			this.lateStageSince === undefined ? undefined : Math.max(0, at - this.lateStageSince),
		);
	}

	/** Queries the budget allows at `at` beyond those sent. */
	private credit(at: number): number {
		const allowed =
			1 +
			Math.floor(
				(at - this.settings.firstQueryAt - this.answeringMs) / this.settings.pollIntervalMs,
			);
		return Math.max(0, allowed - this.queries);
	}

	private noteStage(queriedAt: number, answer: TaskAnswer): void {
		this.earlyStage = EARLY_STAGES.has(statusKey(answer.status));
		if (!LATE_STAGES.has(statusKey(answer.status))) {
			this.lateStageSince = undefined;
			return;
		}
		if (this.lateStageSince !== undefined) return;
		// Entered between the last query and this one; the API's own time is used within those bounds.
		const after = this.lastRunningAt ?? this.settings.startedAt;
		const stated = toEpochMs(answer.status_update_time);
		this.lateStageSince = Math.min(queriedAt, Math.max(after, stated ?? queriedAt));
	}

	/** Progress p % after t ms: done after about t × 100 / p, give or take. */
	private noteProgress(at: number, answer: TaskAnswer): void {
		this.progressWindow = undefined;
		const progress = toProgress(answer.progress) ?? undefined;
		if (progress === undefined || !this.progressTrusted) return;
		// Progress that goes backwards is not a measure of anything: ignored for the rest of the wait.
		if (progress < this.highestProgress) {
			this.progressTrusted = false;
			return;
		}
		this.highestProgress = progress;
		if (progress <= 0 || progress >= 100) return;
		const age = at - this.settings.startedAt;
		const left = (age * (100 - progress)) / progress;
		this.progressWindow = { from: at + left * 0.75, to: at + left * 1.5 };
	}

	private window(): Window | undefined {
		return this.progressWindow ?? this.stageWindow() ?? this.batchWindow() ?? this.thinningWindow();
	}

	private stageWindow(): Window | undefined {
		const since = this.lateStageSince;
		if (since === undefined) return undefined;
		const stage = this.settings.batch?.batch.lateStage();
		if (stage) return { from: since + stage.median * 0.8, to: since + stage.longest * 1.25 };
		// Nothing to compare with: the last stage is taken to last at most half the time before it.
		const before = since - this.settings.startedAt;
		return { from: since, to: since + Math.max(this.settings.pollIntervalMs, before / 2) };
	}

	/** The ages at which the batch's other tasks completed. */
	private batchWindow(): Window | undefined {
		const { batch, startedAt } = this.settings;
		const fit = batch?.batch.fit();
		if (!fit) return undefined;
		const { mu, sigma } = fit;
		return {
			from: startedAt + Math.exp(mu - 2 * sigma),
			to: startedAt + Math.exp(mu + 2.5 * sigma),
			density: (at) => {
				const age = Math.max(1, at - startedAt);
				return Math.exp(-((Math.log(age) - mu) ** 2) / (2 * sigma ** 2)) / age;
			},
		};
	}

	/**
	 * A task in a first stage, or with siblings none of which has completed yet, is not about to
	 * complete: its queries thin out and save budget. Siblings each keep another phase, so that
	 * together they notice the first completion soon; a task left waiting alone would only be late.
	 */
	private thinningWindow(): Window | undefined {
		const { batch, pollIntervalMs, firstQueryAt } = this.settings;
		if (!this.earlyStage && !batch?.hasSiblings()) return undefined;
		// Before the first answer: as if one had come an interval before the fixed first query.
		const answeredAt = this.lastAnswerAt ?? firstQueryAt - pollIntervalMs;
		const period = THINNING * pollIntervalMs;
		const phase = firstQueryAt + goldenFraction(batch?.index ?? 0) * period;
		const next = phase + Math.ceil((answeredAt + pollIntervalMs - phase) / period) * period;
		return { from: next, to: next };
	}
}

/**
 * How much wider than the even gap the gap after `at` is: queries spread in proportion to the
 * square root of the completion density, which gives the least mean delay for their number.
 */
function densityFactor({ from, to, density }: Window, at: number): number {
	if (!density) return 1;
	const steps = 32;
	const start = Math.max(from, at);
	let mean = 0;
	for (let step = 0; step < steps; step++)
		mean += Math.sqrt(density(start + ((step + 0.5) * (to - start)) / steps)) / steps;
	const here = Math.sqrt(density(start));
	return here > 0 ? mean / here : Infinity;
}

/** 0 … 1, evenly spread for 0, 1, 2 … (the golden ratio's multiples). */
const goldenFraction = (index: number) => (index * 0.6180339887) % 1;
