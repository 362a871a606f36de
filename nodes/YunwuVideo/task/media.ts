/** Which of a task's files is downloaded. */
export type MediaKind = 'video' | 'thumbnail';

const FALLBACK_MIME: Record<MediaKind, string> = { video: 'video/mp4', thumbnail: 'image/jpeg' };

const EXTENSION_BY_MIME: Readonly<Record<string, string>> = {
	'video/mp4': 'mp4',
	'video/webm': 'webm',
	'video/quicktime': 'mov',
	'video/x-matroska': 'mkv',
	'video/x-msvideo': 'avi',
	'video/mpeg': 'mpeg',
	'image/jpeg': 'jpg',
	'image/png': 'png',
	'image/webp': 'webp',
	'image/gif': 'gif',
};

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
	...Object.fromEntries(
		Object.entries(EXTENSION_BY_MIME).map(([mime, extension]) => [extension, mime]),
	),
	m4v: 'video/mp4',
	jpeg: 'image/jpeg',
};

/** Content types that say nothing about the file; file hosts send them for everything. */
const VAGUE_MIME = new Set([
	'',
	'application/octet-stream',
	'binary/octet-stream',
	'application/binary',
	'application/force-download',
	'application/download',
	'application/unknown',
	'text/plain',
]);

function extensionOfUrl(url: string): string | undefined {
	try {
		const match = /\.([a-z0-9]{2,5})$/i.exec(new URL(url).pathname);
		return match?.[1].toLowerCase();
	} catch {
		return undefined;
	}
}

/**
 * The MIME type of a downloaded file: the host's `Content-Type` when it is specific, else the
 * URL's extension, else `video/mp4` (or `image/jpeg` for a thumbnail).
 */
export function chooseMimeType(contentType: unknown, url: string, kind: MediaKind): string {
	const declared = String(contentType ?? '')
		.split(';')[0]
		.trim()
		.toLowerCase();
	if (!VAGUE_MIME.has(declared)) return declared;
	const fromUrl = MIME_BY_EXTENSION[extensionOfUrl(url) ?? ''];
	return fromUrl ?? FALLBACK_MIME[kind];
}

/** A file name from the task id (`grok:5cda…` → `grok_5cda….mp4`), with the extension of its MIME type. */
export function chooseFileName(
	taskId: string,
	kind: MediaKind,
	mimeType: string,
	url: string,
): string {
	const base = taskId.replace(/[^a-zA-Z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'video';
	const extension =
		EXTENSION_BY_MIME[mimeType] ?? extensionOfUrl(url) ?? (kind === 'video' ? 'mp4' : 'jpg');
	return kind === 'video' ? `${base}.${extension}` : `${base}-thumbnail.${extension}`;
}

/** The `Content-Length` a host promised, if it sent a valid one. */
export function promisedLength(header: unknown): number | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	if (!/^\d+$/.test(String(value).trim())) return undefined;
	const length = Number(value);
	return Number.isSafeInteger(length) ? length : undefined;
}

/** How image files begin: the formats video APIs take as a reference image. */
const IMAGE_SIGNATURES: ReadonlyArray<[mime: string, matches: (bytes: Buffer) => boolean]> = [
	['image/png', (bytes) => bytes.subarray(0, 8).toString('hex') === '89504e470d0a1a0a'],
	['image/jpeg', (bytes) => bytes.subarray(0, 3).toString('hex') === 'ffd8ff'],
	['image/gif', (bytes) => bytes.subarray(0, 4).toString('latin1') === 'GIF8'],
	[
		'image/webp',
		(bytes) =>
			bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
			bytes.subarray(8, 12).toString('latin1') === 'WEBP',
	],
	['image/bmp', (bytes) => bytes.subarray(0, 2).toString('latin1') === 'BM'],
];

/**
 * The MIME type of an image file: the declared one when it is `image/<type>` and nothing more, else
 * the one its first bytes show (a file host's `application/octet-stream` is common), else undefined:
 * not an image. A declared type with parameters or line breaks would otherwise reach a data URL or
 * a multipart part's headers as it is.
 */
export function imageMimeTypeOf(declared: string, bytes: Buffer): string | undefined {
	if (/^image\/[\w.+-]+$/.test(declared)) return declared;
	return IMAGE_SIGNATURES.find(([, matches]) => matches(bytes))?.[0];
}
