import {
	type IDataObject,
	type IDisplayOptions,
	type INodeProperties,
	type INodePropertyOptions,
} from 'n8n-workflow';

import type { FieldReader } from './api';

/** The `model` value of "Other (Enter Model Name)"; the name itself is in `customModel`. */
export const CUSTOM_MODEL = 'custom';

/** The values Yunwu documents for a field; none: the field is not shown for the family. */
type Documented = string[];

interface ModelFamily {
	label: string;
	/** Model names of the family start with it (`veo3.1-fast`, `sora-2-pro`, `grok-video-3`, `jimeng-video-3.0`). */
	prefix: string;
	/** Aspect Ratio (`aspectRatio`, sent as `aspect_ratio`). */
	aspectRatios: Documented;
	/** Size (`size`). */
	sizes: Documented;
	/** The family's own fields, shown for its models, or for the ones a field's own `displayOptions` name. */
	fields: INodeProperties[];
	/** What its own fields add to the create request body. */
	body: (read: FieldReader) => IDataObject;
}

const SORA_2_PRO = { _cnd: { startsWith: 'sora-2-pro' } };

/**
 * Sora's Duration, for the models `displayOptions` names: 10 and 15 s, 25 s on sora-2-pro only.
 * Yunwu's unified format says "支持 10、15 等" for both models; gateways serving the same format
 * split them: "10、15、25(sora-2-pro支持)" (docs.yutoai.net/markdown/api/api-362481361.md), sora-2
 * 10, 15 and sora-2-pro 10, 15, 25 (docs.gptproto.com, sora-2-pro, reverse format);
 * docs.fast-token.com lists fewer (sora-2: 10; sora-2-pro: 15, 25), none 25 for sora-2. A saved or
 * typed value outside the list is still sent: n8n checks option values only in the panel.
 */
function soraDuration(seconds: number[], displayOptions: IDisplayOptions): INodeProperties {
	return {
		displayName: 'Duration (Seconds)',
		name: 'duration',
		type: 'options',
		default: 10,
		// What an expression may give (the model checks the rest): a whole number of seconds.
		typeOptions: { minValue: 1, numberPrecision: 0 },
		options: seconds.map((value) => ({ name: String(value), value })),
		displayOptions,
	};
}

/**
 * Everything the node knows about each of Yunwu's video model families: which names belong to it,
 * the aspect ratios and sizes it takes, its own fields and how they go into the request body. A
 * new family is one entry here. The values are the ones Yunwu documents for each family
 * (docs/yunwu-api.md, Create). Any other value can still be given as an expression, and
 * Additional Body Fields sends anything.
 */
const FAMILIES: readonly ModelFamily[] = [
	{
		// aspect_ratio: "16:9 或 9:16"; no size field.
		label: 'Veo',
		prefix: 'veo',
		aspectRatios: ['16:9', '9:16'],
		// Yunwu documents no size for Veo: the model (such as veo3.1-4k) and Upsample set the resolution.
		sizes: [],
		fields: [
			{
				displayName: 'Enhance Prompt',
				name: 'enhancePrompt',
				type: 'boolean',
				default: false,
				description:
					"Whether Veo rewrites the prompt for better results (the rewrite is output as 'enhanced_prompt')",
			},
			{
				displayName: 'Upsample',
				name: 'enableUpsample',
				type: 'boolean',
				default: false,
				description: 'Whether Veo upscales the video to a higher resolution (takes longer)',
			},
		],
		body: (read) => ({
			enhance_prompt: read.boolean('enhancePrompt'),
			enable_upsample: read.boolean('enableUpsample'),
		}),
	},
	{
		// orientation instead of aspect_ratio; size "small (一般 720p)" or "large" (1080p on fast-token's sora-2-pro page).
		label: 'Sora',
		prefix: 'sora',
		// Yunwu documents no aspect ratio for Sora: Orientation sets the shape.
		aspectRatios: [],
		sizes: ['small', 'large'],
		fields: [
			{
				displayName: 'Orientation',
				name: 'orientation',
				type: 'options',
				default: 'landscape',
				options: [
					{ name: 'Landscape', value: 'landscape' },
					{ name: 'Portrait', value: 'portrait' },
				],
			},
			soraDuration([10, 15, 25], { show: { model: [SORA_2_PRO] } }),
			soraDuration([10, 15], {
				show: { model: [{ _cnd: { startsWith: 'sora' } }] },
				hide: { model: [SORA_2_PRO] },
			}),
			{
				displayName: 'Watermark',
				name: 'watermark',
				type: 'boolean',
				default: false,
				description: 'Whether Sora adds its watermark',
			},
			{
				displayName: 'Private',
				name: 'private',
				type: 'boolean',
				default: true,
				description: 'Whether the video stays private on Sora (not published to its feed)',
			},
		],
		body: (read) => ({
			orientation: read.text('orientation'),
			duration: read.number('duration'),
			watermark: read.boolean('watermark'),
			private: read.boolean('private'),
		}),
	},
	{
		// aspect_ratio "2:3, 3:2, 1:1"; size "720P (暂只支持 720P)".
		label: 'Grok',
		prefix: 'grok-video',
		aspectRatios: ['1:1', '2:3', '3:2'],
		sizes: ['720P'],
		fields: [
			{
				displayName: 'Custom Mode',
				name: 'customMode',
				type: 'boolean',
				default: false,
				description:
					'Whether Grok follows the prompt exactly (\'mode\' set to "custom") instead of its own style',
			},
		],
		body: (read) => (read.boolean('customMode') ? { mode: 'custom' } : {}),
	},
	{
		// aspect_ratio "16:9, 9:16, 4:3, 3:4, 1:1, 21:9"; size "720x1280, 1280x720, 1080P".
		label: 'Jimeng',
		prefix: 'jimeng',
		aspectRatios: ['1:1', '3:4', '4:3', '9:16', '16:9', '21:9'],
		sizes: ['720x1280', '1280x720', '1080P'],
		fields: [],
		body: () => ({}),
	},
];

/** The family of a model name, by its prefix. */
function familyOf(model: string): ModelFamily | undefined {
	return FAMILIES.find((family) => model.startsWith(family.prefix));
}

/** What the own fields of `model`'s family add to the create request body (nothing for other models). */
export function familyBody(model: string, read: FieldReader): IDataObject {
	return familyOf(model)?.body(read) ?? {};
}

const ofModelsOf = (family: ModelFamily) => ({ _cnd: { startsWith: family.prefix } });
const forFamily = (family: ModelFamily): IDisplayOptions => ({
	show: { model: [ofModelsOf(family)] },
});
/** Models of no known family (Other included), whose fields take free values. */
const forOtherModels: IDisplayOptions = { hide: { model: FAMILIES.map(ofModelsOf) } };

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

/** A list of a field's values, the model's default last; what the list holds (`about`) is a tooltip. */
function documentedField(
	field: Pick<INodeProperties, 'displayName' | 'name'>,
	documented: Documented,
	names: Readonly<Record<string, string>>,
	about: string,
): INodeProperties {
	return {
		...field,
		type: 'options',
		default: '',
		options: [
			...documented.map((value) => ({ name: names[value] ?? value, value })),
			MODEL_DEFAULT,
		],
		description: `${about}. ${AS_EXPRESSION}`,
	};
}

const ASPECT_RATIO = { displayName: 'Aspect Ratio', name: 'aspectRatio' } as const;
const SIZE = { displayName: 'Size', name: 'size' } as const;

/** Every aspect ratio a family takes, for models of no known family, by number (9:16 before 16:9). */
const ALL_RATIOS = [...new Set(FAMILIES.flatMap((family) => family.aspectRatios))].sort((a, b) =>
	a.localeCompare(b, 'en', { numeric: true }),
);

/** The families that document values for `field`. */
const withValues = (field: 'aspectRatios' | 'sizes') =>
	FAMILIES.filter((family) => family[field].length > 0);

/**
 * Node version 1 showed Aspect Ratio and Size for every family, with only the model's default
 * where a family documents no value, and sent what it held (a value kept from an earlier model:
 * the parameter is shared). n8n drops the values of fields it does not show, so version 1 keeps
 * those fields and its saved workflows send what they sent; later versions do not show them.
 */
const undocumentedOnVersion1 = (
	field: typeof ASPECT_RATIO | typeof SIZE,
	values: 'aspectRatios' | 'sizes',
) =>
	FAMILIES.filter((family) => family[values].length === 0).map((family) => ({
		...documentedField(
			field,
			[],
			{},
			`Yunwu documents no ${field.displayName.toLowerCase()} for ${family.label} models`,
		),
		displayOptions: { show: { '@version': [1], ...forFamily(family).show } },
	}));

/**
 * The Create fields that depend on the model: Aspect Ratio and Size, one definition per family
 * with the values it takes and one for other models (they share the parameter, so a value stays
 * when the model changes family; other models get every ratio, and Size as free text so any size
 * a new model takes can be typed), then each family's own fields. A family that documents no
 * value for a field does not show it: a field that does nothing is noise in the panel.
 */
export const familyFields: INodeProperties[] = [
	...withValues('aspectRatios').map((family) => ({
		...documentedField(
			ASPECT_RATIO,
			family.aspectRatios,
			RATIO_NAMES,
			`The aspect ratios Yunwu documents for ${family.label} models`,
		),
		displayOptions: forFamily(family),
	})),
	{
		...documentedField(
			ASPECT_RATIO,
			ALL_RATIOS,
			RATIO_NAMES,
			'The shape of the video, if the model takes one',
		),
		displayOptions: forOtherModels,
	},
	...undocumentedOnVersion1(ASPECT_RATIO, 'aspectRatios'),
	...withValues('sizes').map((family) => ({
		...documentedField(
			SIZE,
			family.sizes,
			SIZE_NAMES,
			`The sizes Yunwu documents for ${family.label} models`,
		),
		displayOptions: forFamily(family),
	})),
	{
		...SIZE,
		type: 'string',
		default: '',
		placeholder: 'e.g. 1280x720 or 720P',
		description: "Resolution, in the form the model accepts; empty for the model's default",
		displayOptions: forOtherModels,
	},
	...undocumentedOnVersion1(SIZE, 'sizes'),
	...FAMILIES.flatMap((family) =>
		family.fields.map((field) =>
			field.displayOptions ? field : { ...field, displayOptions: forFamily(family) },
		),
	),
];
