import type { IDisplayOptions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

/**
 * What the panel knows about Yunwu's video model families: which names belong to a family (and
 * so get its own fields), and the aspect ratios and sizes each family takes. The values are the
 * ones Yunwu documents for its unified `POST /v1/video/create` format ("视频统一格式", Yunwu's API
 * docs as copied in github.com/shellus/mj-studio, docs/internal/api/yunwu-video/video-unified.md;
 * the same format's pages on docs.fast-token.com agree). Any other value can still be given as an
 * expression, and Additional Body Fields sends anything.
 */
export type ModelFamily = 'veo' | 'sora' | 'grok' | 'jimeng';

/** The `model` value of "Other (Enter Model Name)"; the name itself is in `customModel`. */
export const CUSTOM_MODEL = 'custom';

const FAMILIES: Record<
	ModelFamily,
	{ label: string; prefix: string; aspectRatios: string[]; sizes: string[] }
> = {
	// aspect_ratio: "16:9 或 9:16"; no size field.
	veo: { label: 'Veo', prefix: 'veo', aspectRatios: ['16:9', '9:16'], sizes: [] },
	// orientation instead of aspect_ratio; size "small (一般 720p)" or "large" (1080p on fast-token's sora-2-pro page).
	sora: { label: 'Sora', prefix: 'sora', aspectRatios: [], sizes: ['small', 'large'] },
	// aspect_ratio "2:3, 3:2, 1:1"; size "720P (暂只支持 720P)".
	grok: {
		label: 'Grok',
		prefix: 'grok-video',
		aspectRatios: ['1:1', '2:3', '3:2'],
		sizes: ['720P'],
	},
	// aspect_ratio "16:9, 9:16, 4:3, 3:4, 1:1, 21:9"; size "720x1280, 1280x720, 1080P".
	jimeng: {
		label: 'Jimeng',
		prefix: 'jimeng',
		aspectRatios: ['1:1', '3:4', '4:3', '9:16', '16:9', '21:9'],
		sizes: ['720x1280', '1280x720', '1080P'],
	},
};

const FAMILY_NAMES = Object.keys(FAMILIES) as ModelFamily[];

/** The family of a model name, by its prefix (`veo3.1-fast`, `sora-2-pro`, `grok-video-3`, `jimeng-video-3.0`). */
export function familyOf(model: string): ModelFamily | undefined {
	return FAMILY_NAMES.find((family) => model.startsWith(FAMILIES[family].prefix));
}

/** The `displayOptions` of a field shown for the model names of `family`. */
export function forFamily(family: ModelFamily): IDisplayOptions {
	return { show: { model: [{ _cnd: { startsWith: FAMILIES[family].prefix } }] } };
}

/** Models of no known family (Other included), whose fields take free values. */
const notOfAnyFamily: IDisplayOptions = {
	hide: {
		model: FAMILY_NAMES.map((family) => ({ _cnd: { startsWith: FAMILIES[family].prefix } })),
	},
};

/**
 * Names that mark a video model in a model list that carries no endpoint types: Yunwu's video
 * families (its docs list Veo, Sora, Grok Video, Jimeng, Kling, Hailuo, Luma, Runway, Doubao
 * Seedance and Wan's t2v/i2v models).
 */
const VIDEO_NAME = /video|^(veo|sora|kling|hailuo|luma|runway|vidu)|seedance|[ti]2v/i;

/** Whether a listed model generates videos: new-api gateways say so (`openai-video`), else its name does. */
export function isVideoModel(id: string, endpointTypes: readonly string[]): boolean {
	return (
		endpointTypes.includes('openai-video') || familyOf(id) !== undefined || VIDEO_NAME.test(id)
	);
}

const RATIO_NAMES: Readonly<Record<string, string>> = {
	'1:1': '1:1 (Square)',
	'16:9': '16:9 (Landscape)',
	'9:16': '9:16 (Portrait)',
	'21:9': '21:9 (Ultrawide)',
};
const SIZE_NAMES: Readonly<Record<string, string>> = {
	small: 'Small (About 720p)',
	large: 'Large (1080p)',
	'1280x720': '1280x720 (Landscape)',
	'720x1280': '720x1280 (Portrait)',
};
const MODEL_DEFAULT: INodePropertyOptions = { name: "Model's Default", value: '' };
const AS_EXPRESSION = 'For another value, switch to Expression and type it.';

function choices(
	values: string[],
	names: Readonly<Record<string, string>>,
): INodePropertyOptions[] {
	return [...values.map((value) => ({ name: names[value] ?? value, value })), MODEL_DEFAULT];
}

/**
 * The text of a family's field: what the list holds, as a tooltip; a list with only the model's
 * default says why under the field, where it is read before anyone opens a one-entry dropdown.
 */
function explained(
	values: string[],
	listed: string,
	none: string,
): Pick<INodeProperties, 'description' | 'hint'> {
	return values.length > 0 ? { description: `${listed}. ${AS_EXPRESSION}` } : { hint: none };
}

/** Every aspect ratio a family takes, for models of no known family, by number (9:16 before 16:9). */
const ALL_RATIOS = [
	...new Set(FAMILY_NAMES.flatMap((family) => FAMILIES[family].aspectRatios)),
].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

/**
 * Aspect Ratio (`aspectRatio`, sent as `aspect_ratio`): one field per family with the values it
 * takes, and one with all of them for other models. They share the parameter, so a value stays
 * when the model changes.
 */
export function aspectRatioFields(): INodeProperties[] {
	const field = {
		displayName: 'Aspect Ratio',
		name: 'aspectRatio',
		type: 'options',
		default: '',
	} as const;
	return [
		...FAMILY_NAMES.map((family) => {
			const { label, aspectRatios } = FAMILIES[family];
			return {
				...field,
				options: choices(aspectRatios, RATIO_NAMES),
				...explained(
					aspectRatios,
					`The aspect ratios Yunwu documents for ${label} models`,
					`Yunwu documents no aspect ratio for ${label}: Orientation sets the shape`,
				),
				displayOptions: forFamily(family),
			};
		}),
		{
			...field,
			options: choices(ALL_RATIOS, RATIO_NAMES),
			description: `The shape of the video, if the model takes one. ${AS_EXPRESSION}`,
			displayOptions: notOfAnyFamily,
		},
	];
}

/**
 * Size (`size`): per family a list of the sizes it takes; for other models free text, as the field
 * always was, so any size a new model takes can be typed.
 */
export function sizeFields(): INodeProperties[] {
	return [
		...FAMILY_NAMES.map((family): INodeProperties => {
			const { label, sizes } = FAMILIES[family];
			return {
				displayName: 'Size',
				name: 'size',
				type: 'options',
				default: '',
				options: choices(sizes, SIZE_NAMES),
				...explained(
					sizes,
					`The sizes Yunwu documents for ${label} models`,
					`Yunwu documents no size for ${label}: the model (such as veo3.1-4k) and Upsample set the resolution`,
				),
				displayOptions: forFamily(family),
			};
		}),
		{
			displayName: 'Size',
			name: 'size',
			type: 'string',
			default: '',
			placeholder: 'e.g. 1280x720 or 720P',
			description: "Resolution, in the form the model accepts; empty for the model's default",
			displayOptions: notOfAnyFamily,
		},
	];
}
