import { z } from 'zod';

/** Seconds or milliseconds since the epoch, as a number or a numeric string. */
const timestamp = z.union([z.number(), z.string()]).nullable().optional();

/** `error` is an empty string on healthy tasks, a string or a `{ code, message }` object on failed ones. */
export const apiErrorSchema = z
	.union([
		z.string(),
		z
			.object({
				message: z.string().nullable().optional(),
				code: z.union([z.string(), z.number()]).nullable().optional(),
				type: z.string().nullable().optional(),
			})
			.passthrough(),
	])
	.nullable()
	.optional();

/**
 * One answer of `GET /v1/video/query`. Only `status` is required; every other field may be
 * missing (pending and processing answers carry just `id`, `status`, `status_update_time`),
 * and unknown fields pass through untouched so nothing the API sends is dropped.
 */
export const taskAnswerSchema = z
	.object({
		id: z.string().optional(),
		status: z.union([z.string(), z.number()]),
		progress: z.union([z.number(), z.string()]).nullable().optional(),
		status_update_time: timestamp,
		completed_at: timestamp,
		video_url: z.string().nullable().optional(),
		thumbnail_url: z.string().nullable().optional(),
		error: apiErrorSchema,
	})
	.passthrough();

export type TaskAnswer = z.infer<typeof taskAnswerSchema>;

/** The OneAPI error envelope: `{ "error": { "message", "type", "code" } }`, or flat `{ "message", "code" }`. */
export const errorEnvelopeSchema = z
	.object({
		error: apiErrorSchema,
		message: z.string().nullable().optional(),
		code: z.union([z.string(), z.number()]).nullable().optional(),
	})
	.passthrough();
