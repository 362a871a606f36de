import { z } from 'zod';

/** `error` is an empty string on healthy tasks, a string or a `{ code, message }` object on failed ones. */
const apiErrorSchema = z
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
 * One answer of `GET /v1/video/query`. Only `status` is required. The other known fields are
 * read leniently (their types vary between upstream models and the code reading them checks
 * types itself): one odd field must not turn a valid status into an unreadable answer. Unknown
 * fields pass through untouched, so nothing the API sends is dropped.
 */
export const taskAnswerSchema = z
	.object({
		status: z.union([z.string(), z.number()]),
		id: z.unknown().optional(),
		progress: z.unknown().optional(),
		status_update_time: z.unknown().optional(),
		completed_at: z.unknown().optional(),
		video_url: z.unknown().optional(),
		thumbnail_url: z.unknown().optional(),
		error: z.unknown().optional(),
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

/** `GET /v1/models` (OpenAI's shape, as OneAPI and new-api gateways answer it); entries are checked one by one. */
export const modelListSchema = z.object({ data: z.array(z.unknown()) }).passthrough();
